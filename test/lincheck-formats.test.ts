// The history parsers: Jepsen register logs (tabs or runs of spaces, :info, an operation open
// at the end), Porcupine's kv logs, keel's JSON lines (and back), detection, and the errors a
// bad file gets: a code and the line to look at.
import t from 'tap';
import { check, keelModel } from '../lab/lincheck/index.ts';
import { detectFormat, formatKeelJsonl, loadHistory, parseJepsen, parseKeelJsonl, parsePorcupineKv } from '../lab/lincheck/formats/index.ts';

const jepsenTabs = [
  'INFO  jepsen.util - 0\t:invoke\t:write\t1',
  'INFO  jepsen.util - 1\t:invoke\t:read\tnil',
  'INFO  jepsen.util - 0\t:ok\t:write\t1',
  'INFO  jepsen.util - 1\t:ok\t:read\t1',
  'INFO  jepsen.util - 2\t:invoke\t:cas\t[1 4]',
  'INFO  jepsen.util - 3\t:invoke\t:cas\t[2 3]',
  'INFO  jepsen.util - 2\t:info\t:cas\t:timed-out',
  'INFO  jepsen.util - 3\t:fail\t:cas\t[2 3]',
  'INFO  jepsen.util - 4\t:invoke\t:read\tnil',
  'INFO  jepsen.util - 4\t:fail\t:read\t:timed-out',
  'INFO  jepsen.util - 8\t:invoke\t:write\t0',
  '',
].join('\n');

t.test('jepsen: events pair by process, line numbers are the clock', async (t) => {
  const { history, dropped } = parseJepsen(jepsenTabs);
  t.equal(dropped, 1, 'the timed-out read observed nothing and is left out');
  t.same(history.map((o) => [o.process, o.call, o.return, o.input, o.output, o.line]), [
    [0, 1, 3, { op: 'write', value: 1 }, {}, 1],
    [1, 2, 4, { op: 'read' }, { value: 1 }, 2],
    [2, 5, Infinity, { op: 'cas', from: 1, to: 4 }, undefined, 5],
    [3, 6, 8, { op: 'cas', from: 2, to: 3 }, { ok: false }, 6],
    [8, 11, Infinity, { op: 'write', value: 0 }, undefined, 11],
  ]);
});

t.test('jepsen: runs of spaces separate as well as tabs; an empty file is an empty history', async (t) => {
  const spaced = jepsenTabs.replaceAll('\t', '   ');
  t.same(parseJepsen(spaced), parseJepsen(jepsenTabs));
  t.same(parseJepsen('').history, []);
  t.same(loadHistory('').history, []);
});

t.test('jepsen: malformed lines and impossible pairings name their line', async (t) => {
  t.throws(() => parseJepsen('INFO  jepsen.util - 0\t:invoke\t:write\t1\nhello\n'), { code: 'KEEL_BAD_HISTORY', line: 2, message: /^line 2: not a Jepsen register event/ });
  t.throws(() => parseJepsen('INFO  jepsen.util - 0\t:ok\t:write\t1\n'), { line: 1, message: /no open operation/ });
  t.throws(() => parseJepsen('INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\n'), { line: 2, message: /still open/ });
  t.throws(() => parseJepsen('INFO  jepsen.util - 0\t:invoke\t:cas\t[1]\n'), { line: 1, message: /cas pair/ });
});

t.test('porcupine kv: get, put, append per key', async (t) => {
  const text = [
    '{:process 0, :type :invoke, :f :append, :key "4", :value "x 0 1 y"}',
    '{:process 1, :type :invoke, :f :get, :key "4", :value nil}',
    '{:process 0, :type :ok, :f :append, :key "4", :value "x 0 1 y"}',
    '{:process 1, :type :ok, :f :get, :key "4", :value ""}',
    '{:process 1, :type :invoke, :f :put, :key "2", :value "a"}',
    '{:process 1, :type :ok, :f :put, :key "2", :value "a"}',
  ].join('\n');
  const { history } = parsePorcupineKv(text);
  t.same(history.map((o) => [o.process, o.call, o.return, o.input, o.output]), [
    [0, 1, 3, { op: 'append', key: '4', value: 'x 0 1 y' }, {}],
    [1, 2, 4, { op: 'get', key: '4' }, { value: '' }],
    [1, 5, 6, { op: 'put', key: '2', value: 'a' }, {}],
  ]);
  t.throws(() => parsePorcupineKv('{:process 0, :type :invoke, :f :cas, :key "1", :value nil}'), { code: 'KEEL_BAD_HISTORY', line: 1 });
});

t.test('keel JSON lines: fields, ok/fail/info, any line order, and back', async (t) => {
  const text = [
    '{"process":1,"type":"ok","call":1041,"return":1187,"op":"put","input":{"key":"a","value":"1"},"output":{"prevValue":null}}',
    '{"process":"c2","type":"ok","call":1000,"return":1102,"op":"get","input":{"key":"a"},"output":{"value":null}}',
    '{"process":3,"type":"info","call":1060,"return":null,"op":"cas","input":{"key":"a","expected":"1","value":"2"}}',
    '{"process":4,"type":"fail","call":1070,"return":1080,"op":"delete","input":{"key":"a"}}',
    '{"process":5,"type":"ok","call":1200,"return":1300,"op":"cas","input":{"key":"a","expected":null,"value":"3"},"output":{"succeeded":false,"current":"2"}}',
  ].join('\n');
  const { history, dropped } = parseKeelJsonl(text, keelModel);
  t.equal(dropped, 1, 'a failed operation certainly did not happen');
  t.same(history.map((o) => [o.process, o.call, o.return, o.input, o.output, o.line]), [
    [1, 1041, 1187, { op: 'put', key: 'a', value: '1' }, { prevValue: null }, 1],
    ['c2', 1000, 1102, { op: 'get', key: 'a' }, { value: null }, 2],
    [3, 1060, Infinity, { op: 'cas', key: 'a', expected: '1', value: '2' }, undefined, 3],
    [5, 1200, 1300, { op: 'cas', key: 'a', expected: null, value: '3' }, { succeeded: false, current: '2' }, 5],
  ]);
  t.equal(check(keelModel, history).verdict, 'linearizable');
  const again = parseKeelJsonl(formatKeelJsonl(history), keelModel).history;
  t.same(again.map((o) => [o.process, o.call, o.return, o.input, o.output]), [history[1], history[0], history[2], history[3]].map((o) => [o.process, o.call, o.return, o.input, o.output]));
});

t.test('keel JSON lines: every wrong field is named, with its line', async (t) => {
  const line = (fields: Record<string, unknown>) => JSON.stringify({ process: 1, type: 'ok', call: 1, return: 2, op: 'get', input: { key: 'a' }, output: { value: 'x' }, ...fields });
  const cases: [string, RegExp][] = [
    ['{nope', /not JSON/],
    ['[1,2]', /must be a JSON object/],
    [line({ type: 'done' }), /type must be "ok", "fail" or "info"/],
    [line({ call: 'soon' }), /call must be a number/],
    [line({ return: null }), /return must be a number for a "ok" operation/],
    [line({ op: 'scan' }), /the keel model has no operation "scan"/],
    [line({ input: { key: 7 } }), /input.key must be a string/],
    [line({ output: { value: 7 } }), /output.value must be a string or null/],
    [line({ output: undefined }), /output must be a JSON object for an "ok" operation/],
    [line({ op: 'delete', output: { deleted: 2 } }), /output.deleted must be 0 or 1/],
    [line({ op: 'cas', input: { key: 'a', expected: 'x', value: 'y' }, output: {} }), /output.succeeded must be true or false/],
  ];
  for (const [bad, message] of cases) {
    t.throws(() => parseKeelJsonl(`${line({})}\n\n${bad}\n`, keelModel), { code: 'KEEL_BAD_HISTORY', line: 3, message }, bad);
  }
});

t.test('formats are detected from the first line; a model that does not fit is refused', async (t) => {
  t.equal(detectFormat(jepsenTabs), 'jepsen');
  t.equal(detectFormat('\n{:process 0, :type :invoke, :f :get, :key "1", :value nil}\n'), 'porcupine-kv');
  t.equal(detectFormat('{"process":1}'), 'keel');
  t.equal(detectFormat(''), null);
  t.equal(detectFormat('time,op\n'), null);
  t.equal(loadHistory(jepsenTabs).model.name, 'register');
  t.equal(loadHistory('{"process":1,"type":"ok","call":1,"return":2,"op":"read","input":{},"output":{"value":null}}', { model: 'register' }).model.name, 'register');
  t.throws(() => loadHistory('time,op\n'), { code: 'KEEL_BAD_HISTORY', message: /unknown history format/ });
  t.throws(() => loadHistory(jepsenTabs, { model: 'kv' }), { code: 'KEEL_BAD_HISTORY', message: /cannot be checked with the kv model/ });
  t.throws(() => loadHistory('', { model: 'queue' }), { code: 'KEEL_BAD_HISTORY', message: /unknown model queue/ });
});
