// The LevelDB options of a master: members that apply the same writes must not fill their
// memtables at the same moment, so every three consecutive member ids get three sizes.
import t from 'tap';
import { levelWriteBufferBytesOf } from '../store/server.ts';

t.test('three consecutive member ids get three different memtable sizes, none below 32 MiB', async (t) => {
  for (const first of [1, 2, 3, 7, 100]) {
    const sizes = [first, first + 1, first + 2].map(levelWriteBufferBytesOf);
    t.equal(new Set(sizes).size, 3, `ids ${first}..${first + 2}: ${sizes.join(', ')}`);
    t.ok(sizes.every((size) => size >= 32 << 20 && size <= 64 << 20));
  }
});
