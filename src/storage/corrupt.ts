/**
 * Stored state that cannot be a member's history: a damaged file or record, a log out of order, a
 * snapshot that does not decode. The member refuses to start with it (starting would risk acting on
 * a silently wrong state); `where` names the file, database or record, `problem` says what is wrong.
 * A torn tail is not this: recovery cuts it off with a warning, as a crash is expected to leave one.
 */
export class StorageCorruptError extends Error {
  override name = 'StorageCorruptError';

  constructor(
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${where}: ${problem}`);
  }
}
