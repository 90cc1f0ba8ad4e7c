/**
 * Test helper: an {@link InputStream} over text in memory, delivered in pieces of `pieceBytes` bytes so that
 * readers meet records split across reads.
 *
 * @module
 */
import type { InputStream } from "./input_stream.ts";

/** An in-memory input of `text`, named `name`, read `pieceBytes` bytes at a time. */
export function memoryInput(text: string, name = "memory", pieceBytes = 7): InputStream {
  const bytes = new TextEncoder().encode(text);
  let read = 0;
  let offset = 0;
  const readable = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      const piece = bytes.slice(offset, offset + pieceBytes);
      offset += piece.length;
      read += piece.length;
      controller.enqueue(piece);
    },
  });
  return { readable, size: bytes.length, bytesRead: () => read, name };
}

/** Every chunk of an async iterable, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
