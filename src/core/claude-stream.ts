/** Folding the claude CLI's `--output-format stream-json --verbose` events into what we keep. */
export interface StreamToolCall {
  name: string;
  /** The arguments, or a truncated JSON string when they were very large. */
  input: unknown;
  /** The CLI answered with an error: tool unknown, permission denied, or the tool failed. */
  isError: boolean;
}

const MAX_TOOL_CALLS = 200;
const MAX_INPUT_CHARS = 4_000;

/** What the stream-json lines told us so far. */
export interface StreamState {
  toolCalls: StreamToolCall[];
  toolCallCount: number;
  pending: Map<string, StreamToolCall>;
  permissionDenials: string[];
  lastRetry: string | null;
  /** A subscription's usage limit refused the request (`rate_limit_event` with status rejected). */
  usageLimit: { resetsAt: number | null; type: string | null } | null;
  result: Record<string, unknown> | null;
}

export function createStreamState(): StreamState {
  return { toolCalls: [], toolCallCount: 0, pending: new Map(), permissionDenials: [], lastRetry: null, usageLimit: null, result: null };
}

/** Folds one stdout line into the state; false when it was not a JSON event. */
export function readEvent(state: StreamState, line: string): boolean {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return false;
  }
  if (!isRecord(event)) return false;
  if (event.type === 'assistant' || event.type === 'user') {
    for (const block of contentBlocks(event)) {
      if (block.type === 'tool_use' && block.name !== 'StructuredOutput' && typeof block.name === 'string') {
        state.toolCallCount += 1;
        if (state.toolCalls.length >= MAX_TOOL_CALLS) continue;
        const call: StreamToolCall = { name: block.name, input: capInput(block.input), isError: false };
        state.toolCalls.push(call);
        if (typeof block.id === 'string') state.pending.set(block.id, call);
      } else if (block.type === 'tool_result' && typeof block.tool_use_id === 'string') {
        const call = state.pending.get(block.tool_use_id);
        if (call) call.isError = block.is_error === true;
        state.pending.delete(block.tool_use_id);
      }
    }
  } else if (event.type === 'system' && event.subtype === 'api_retry') {
    state.lastRetry = `HTTP ${String(event.error_status)} ${String(event.error)}`;
  } else if (event.type === 'rate_limit_event' && isRecord(event.rate_limit_info) && event.rate_limit_info.status === 'rejected') {
    const { resetsAt, rateLimitType } = event.rate_limit_info;
    // resetsAt is epoch seconds
    state.usageLimit = {
      resetsAt: typeof resetsAt === 'number' ? resetsAt * 1000 : null,
      type: typeof rateLimitType === 'string' ? rateLimitType : null,
    };
  } else if (event.type === 'result') {
    state.result = event;
    const denials = Array.isArray(event.permission_denials) ? event.permission_denials : [];
    state.permissionDenials = denials.filter(isRecord).map((d) => String(d.tool_name));
  }
  return true;
}

function contentBlocks(event: Record<string, unknown>): Record<string, unknown>[] {
  const message = event.message;
  if (!isRecord(message) || !Array.isArray(message.content)) return [];
  return message.content.filter(isRecord);
}

function capInput(input: unknown): unknown {
  const json = JSON.stringify(input) ?? 'null';
  return json.length <= MAX_INPUT_CHARS ? input : `${json.slice(0, MAX_INPUT_CHARS)}… (truncated)`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
