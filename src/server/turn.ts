// One conversation turn (protocols whose row says `conversations`), as stages/conversation.ts makes it.
import type { ResponseObject, ResponsesRequest } from "../protocol/responses.ts";

export interface Turn {
  req: ResponsesRequest;
  namespace: string;
  /** The whole conversation as input items: stored history, then this turn's input. */
  conversation: unknown[];
  /** The history came from our store. */
  expanded: boolean;
  store: boolean;
  responseId: string;
  keep(r: ResponseObject): void;
}
