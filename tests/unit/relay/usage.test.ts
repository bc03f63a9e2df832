// Usage read from a parsed whole answer (usageIn) must say what scanning its text says
// (scanUsage, which streams and replays still use), for every protocol's answer shape.
import { describe, expect, test } from "bun:test";
import { scanUsage, usageIn } from "../../../src/relay/usage.ts";

const answers: Record<string, Record<string, unknown>> = {
  chat: { id: "c", object: "chat.completion", choices: [], usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 } },
  completions: { id: "c", object: "text_completion", choices: [], usage: { prompt_tokens: 3, completion_tokens: 4 } },
  embeddings: { object: "list", data: [], usage: { prompt_tokens: 9, total_tokens: 9 } },
  responses: {
    id: "resp_1",
    object: "response",
    output: [],
    usage: { input_tokens: 20, output_tokens: 5, input_tokens_details: { cached_tokens: 8 } },
  },
  messages: {
    id: "msg_1",
    type: "message",
    content: [],
    usage: { cache_creation_input_tokens: 100, cache_read_input_tokens: 50, input_tokens: 11, output_tokens: 2 },
  },
  "no usage": { id: "c", object: "chat.completion", choices: [] },
  "usage null": { id: "c", choices: [], usage: null },
  "only output": { id: "c", choices: [], usage: { completion_tokens: 6 } },
};

describe("usageIn", () => {
  for (const [name, answer] of Object.entries(answers)) {
    test(`${name}: the same as scanning the answer's text`, () => {
      expect(usageIn(answer)).toEqual(scanUsage(JSON.stringify(answer)));
    });
  }

  test("the counts of each shape", () => {
    expect(usageIn(answers.chat)).toEqual({ input: 12, output: 7 });
    expect(usageIn(answers.messages)).toEqual({ input: 11, output: 2 });
    expect(usageIn(answers.embeddings)).toEqual({ input: 9, output: 0 });
    expect(usageIn(answers["no usage"])).toBeNull();
  });

  test("a count that is not a number is not a count", () => {
    expect(usageIn({ usage: { prompt_tokens: "12", completion_tokens: 3 } })).toEqual({ input: 0, output: 3 });
    expect(usageIn({ usage: { prompt_tokens: "12" } })).toBeNull();
    expect(usageIn({ usage: [] })).toBeNull();
  });
});
