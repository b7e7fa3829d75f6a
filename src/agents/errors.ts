/** A config file we were asked to edit could not be parsed; it is left untouched. */
export class MalformedConfigError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file} could not be parsed (${detail}); it was left unchanged. Fix it or edit it by hand.`);
  }
}
