// A problem with how the tool was asked to run (flags, options, their combinations): the user's
// to fix. The CLI prints its message on one line and exits 2; the programmatic API throws it.
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
