/**
 * Executor: download-like work with asCompleted
 *
 * Five downloads (simulated: each waits as long as its server takes) run on a
 * ThreadPoolExecutor of three workers. asCompleted hands over each future as soon as it is
 * done, fastest first rather than in submission order, and a Map from future to URL says which
 * one it was. One download fails: its error comes out of result() and the others go on. The
 * timeline shows at most three at work.
 *
 * Python:
 *   import concurrent.futures
 *   import time
 *
 *   URLS = {  # url: how long its server takes, in seconds
 *       'https://example.com/': 0.6,
 *       'https://python.org/': 0.2,
 *       'https://nodejs.org/': 0.4,
 *       'https://example.com/missing': 0.1,
 *       'https://docs.python.org/3/library/concurrent.futures.html': 0.3,
 *   }
 *
 *   def load_url(url, delay):
 *       time.sleep(delay)  # waiting for the network
 *       if url.endswith('/missing'):
 *           raise OSError(f'HTTP Error 404: Not Found ({url})')
 *       return b'x' * (len(url) * 1000)
 *
 *   with concurrent.futures.ThreadPoolExecutor(max_workers=3) as executor:
 *       future_to_url = {executor.submit(load_url, url, delay): url for url, delay in URLS.items()}
 *       for future in concurrent.futures.as_completed(future_to_url):
 *           url = future_to_url[future]
 *           try:
 *               data = future.result()
 *           except Exception as exc:
 *               print('%r generated an exception: %s' % (url, exc))
 *           else:
 *               print('%r page is %d bytes' % (url, len(data)))
 *   print('all downloads done')
 */
import { ThreadPoolExecutor, asCompleted, type Future } from '@conc/pool';

const URLS: Record<string, number> = {
  // url: how long its server takes, in milliseconds
  'https://example.com/': 600,
  'https://python.org/': 200,
  'https://nodejs.org/': 400,
  'https://example.com/missing': 100,
  'https://docs.python.org/3/library/concurrent.futures.html': 300,
};

// Runs in a worker thread: shipped as source, so it uses only its arguments.
async function loadUrl(url: string, delay: number) {
  await new Promise((resolve) => setTimeout(resolve, delay)); // waiting for the network
  if (url.endsWith('/missing')) throw new Error(`HTTP Error 404: Not Found (${url})`);
  return new Uint8Array(url.length * 1000);
}

{
  await using executor = new ThreadPoolExecutor(3);
  const futureToUrl = new Map<Future<Uint8Array>, string>();
  for (const [url, delay] of Object.entries(URLS)) futureToUrl.set(executor.submit(loadUrl, url, delay), url);
  for await (const future of asCompleted(futureToUrl.keys())) {
    const url = futureToUrl.get(future)!;
    try {
      const data = await future.result();
      console.log(`'${url}' page is ${data.length} bytes`);
    } catch (error) {
      console.log(`'${url}' generated an exception: ${(error as Error).message}`);
    }
  }
}
console.log('all downloads done');
