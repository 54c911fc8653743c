/**
 * Event: the traffic light
 *
 * One thread is the light: it sets the Event for green and clears it for red, every few
 * ticks. Two cars drive while the light is green; at red they wait on the Event until it is
 * set again. The light ends on green, so every car gets home.
 *
 * Python:
 *   import threading, time
 *
 *   event = threading.Event()
 *
 *   def lighter():
 *       event.set()
 *       print("green light")
 *       for count in range(15):
 *           if count == 5:
 *               event.clear()
 *               print("red light")
 *           elif count == 10:
 *               event.set()
 *               print("green light")
 *           time.sleep(0.3)
 *
 *   def car(name):
 *       for _ in range(6):
 *           if event.is_set():
 *               print(f"[{name}] running...")
 *               time.sleep(0.4)
 *           else:
 *               print(f"[{name}] sees red light, waiting...")
 *               event.wait()
 *               print(f"[{name}] green light is on, start going...")
 *       print(f"[{name}] arrived")
 *
 *   light = threading.Thread(target=lighter)
 *   cars = [threading.Thread(target=car, args=(n,)) for n in ("Tesla", "Volvo")]
 *   light.start()
 *   for c in cars: c.start()
 */
import { Thread } from '@conc/process';
import { Event } from '@conc/sync';
import { label } from '@conc/playground/timeline';

async function lighter(event: Event) {
  const { sleepSync } = await import('@conc/playground/timeline');
  event.set();
  console.log('green light');
  for (let count = 0; count < 15; count++) {
    if (count === 5) {
      event.clear();
      console.log('red light');
    } else if (count === 10) {
      event.set();
      console.log('green light');
    }
    sleepSync(300);
  }
}

async function car(event: Event, name: string) {
  const { sleepSync } = await import('@conc/playground/timeline');
  for (let i = 0; i < 6; i++) {
    if (event.isSet()) {
      console.log(`[${name}] running...`);
      sleepSync(400);
    } else {
      console.log(`[${name}] sees red light, waiting...`);
      event.waitSync();
      console.log(`[${name}] green light is on, start going...`);
    }
  }
  console.log(`[${name}] arrived`);
}

const event = label(new Event(), 'green light');
const light = new Thread({ target: lighter, args: [event], name: 'light' });
light.start();
// The cars leave once the light is on.
await event.wait();
const cars = ['Tesla', 'Volvo'].map((name) => new Thread({ target: car, args: [event, name], name }));
for (const c of cars) c.start();
await light.join();
for (const c of cars) await c.join();
