// A run on the server: `POST /api/run` with the edited text answers with a Server-Sent Events
// stream (EventSource cannot POST), read here message by message.

/**
 * Starts a run and yields its messages (`started`, `stdout`, `stderr`, `trace`,
 * `diagnostics`, `exit`) as they come; aborting `signal` closes the stream, which stops the run.
 * @param {{ name: string, source: string }} body
 * @param {AbortSignal} signal
 * @returns {AsyncGenerator<Record<string, any>>}
 */
export async function* runStream(body, signal) {
  const response = await fetch('/api/run', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) throw new Error((await response.json().catch(() => ({}))).error ?? `the server answered ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
      if (data) yield JSON.parse(data);
    }
  }
}
