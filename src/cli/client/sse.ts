// Server-Sent Events on the client side: an incremental parser for the `text/event-stream`
// format (frames may arrive split at any byte, lines end in LF, CRLF or CR) and a reader that
// turns a fetch body into frames. Follows the WHATWG parsing rules for the fields the service
// sends: `id`, `event`, `data` (several lines join with "\n") and comments.

export interface SseFrame {
  /** The `id:` of this frame, or the last one seen on the stream (as the spec carries it over). */
  id: string | undefined;
  /** `event:`, default "message". */
  event: string;
  data: string;
}

export class SseParser {
  private buffer = '';
  private sawCr = false;
  private lastId: string | undefined;
  private event = '';
  private data: string[] = [];
  private readonly decoder = new TextDecoder('utf-8');

  /** Feeds bytes (or text) and returns the frames they complete. */
  push(chunk: Uint8Array | string): SseFrame[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    // A CRLF split across chunks: the CR ended the line already, so drop the LF.
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1);
    this.sawCr = text.endsWith('\r');
    this.buffer += text;
    const frames: SseFrame[] = [];
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop()!;
    for (const line of lines) {
      const frame = this.line(line);
      if (frame) frames.push(frame);
    }
    return frames;
  }

  /** The last `id:` seen, for Last-Event-ID on a reconnect. */
  get lastEventId(): string | undefined {
    return this.lastId;
  }

  private line(line: string): SseFrame | undefined {
    if (line === '') {
      if (!this.data.length) {
        // No data line: nothing is dispatched (WHATWG), and the event name is forgotten.
        this.event = '';
        return undefined;
      }
      const frame = { id: this.lastId, event: this.event || 'message', data: this.data.join('\n') };
      this.event = '';
      this.data = [];
      return frame;
    }
    if (line.startsWith(':')) return undefined; // comment (the server's keep-alives)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    return undefined;
  }
}

/** Frames from a response body until it ends; a dropped connection surfaces as the reader's error. */
export async function* readSse(body: ReadableStream<Uint8Array>, parser = new SseParser()): AsyncGenerator<SseFrame> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield* parser.push(value);
    }
  } finally {
    // Stop the download when the consumer breaks out early.
    await reader.cancel().catch(() => undefined);
  }
}
