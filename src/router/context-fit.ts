// A prompt longer than a target's context window: the words for skipping that target, and
// the error when no target of the route is large enough. Local servers truncate an
// over-long prompt silently (Ollama keeps the end of it), so answering from one would look
// like a working answer to half a conversation; a 400 naming the window and the setting that
// raises it is what the operator can act on. The code is OpenAI's own for this case, which
// coding agents recognise (and then compact their history).
import type { Registry } from "../upstream/registry.ts";
import { type ContextWindow, contextWindowOf, describeSource, raiseHint } from "../upstream/context-window.ts";
import { GatewayError } from "../protocol/errors.ts";

export interface TooLong {
  upstream: string;
  model: string;
  window: ContextWindow;
}

/** The window this target is too small for, or null when the request fits (or its window is unknown). */
export function tooLongFor(registry: Registry, upstream: string, model: string, tokens: number): TooLong | null {
  const s = registry.get(upstream);
  const window = s ? contextWindowOf(s, model) : null;
  return window && tokens > window.tokens ? { upstream, model, window } : null;
}

/** The skip reason, naming where the window comes from. */
export function tooLongReason(t: TooLong, tokens: number): string {
  return `request needs ~${tokens} tokens; context window is ${t.window.tokens} (${describeSource(t.window)})`;
}

export function contextLengthExceeded(opts: { route: string; tokens: number; over: TooLong[]; param?: string }): GatewayError {
  const each = opts.over.map(
    (t) =>
      `${t.upstream}/${t.model} has a ${t.window.tokens}-token window (${describeSource(t.window)}): ${raiseHint(t.upstream, t.model, t.window, opts.tokens)}`,
  );
  return new GatewayError(
    "invalid_request",
    `This request needs about ${opts.tokens} tokens (prompt plus requested output), more than any target of \`${opts.route}\` can hold. ${each.join("; ")}.`,
    { code: "context_length_exceeded", param: opts.param ?? null },
  );
}
