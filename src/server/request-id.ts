// Every response carries x-wayfront-request-id, matching the id in the log line.
export function newRequestId(): string {
  return "wf-" + crypto.randomUUID();
}
