/** Input a caller got wrong (a malformed cursor, a bad limit, an unreadable time): the API answers 400. */
export class StoreInputError extends Error {
  override name = 'StoreInputError';
}
