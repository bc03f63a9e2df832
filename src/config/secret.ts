// An upstream key read from the environment. It redacts itself wherever it could be
// printed (template strings, JSON, console.log) so it cannot leak by accident.
const inspect = Symbol.for("nodejs.util.inspect.custom");

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "[redacted]";
  }
  toJSON(): string {
    return "[redacted]";
  }
  [inspect](): string {
    return "Secret([redacted])";
  }
}
