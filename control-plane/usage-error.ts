/** A command line keel does not understand, or a missing input it names: exit code 2. */
export class UsageError extends Error {
  readonly code = 'KEEL_USAGE';
}
