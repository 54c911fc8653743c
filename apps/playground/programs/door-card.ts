/**
 * Event: the door and the card swipe
 *
 * The door stays closed until someone swipes a card (sets the Event); then it stays open for a
 * few ticks and closes itself (clears the Event). Staff arrive at different times: a closed
 * door means swiping, an open one means walking through.
 *
 * Python:
 *   import threading, time
 *
 *   event = threading.Event()
 *
 *   def door():
 *       open_ticks = 0
 *       while not everyone_in.is_set():
 *           if event.is_set():
 *               print("door opening...")
 *               open_ticks += 1
 *           else:
 *               print("door closed... swipe to open.")
 *               open_ticks = 0
 *               event.wait(1)
 *           if open_ticks > 3:
 *               event.clear()
 *           time.sleep(0.5)
 *
 *   def staff(n):
 *       print(f"staff No.{n} arrived")
 *       while True:
 *           if event.is_set():
 *               print(f"door is open, staff No.{n} passing")
 *               break
 *           print(f"staff No.{n} swiped the card")
 *           event.set()
 *           time.sleep(0.5)
 *
 *   everyone_in = threading.Event()
 *   threading.Thread(target=door).start()
 *   for n, late in ((1, 0.2), (2, 0.4), (3, 4.0)):
 *       time.sleep(late)
 *       threading.Thread(target=staff, args=(n,)).start()
 *   ... then join the staff and set everyone_in
 */
import { Thread } from '@conc/process';
import { Event } from '@conc/sync';
import { label, sleep } from '@conc/playground/timeline';

async function door(event: Event, everyoneIn: Event) {
  const { sleepSync } = await import('@conc/playground/timeline');
  let openTicks = 0;
  while (!everyoneIn.isSet()) {
    if (event.isSet()) {
      console.log('door opening...');
      openTicks++;
    } else {
      console.log('door closed... swipe to open.');
      openTicks = 0;
      event.waitSync(1000);
    }
    if (openTicks > 3) event.clear();
    sleepSync(500);
  }
}

async function staff(event: Event, n: number) {
  const { sleepSync } = await import('@conc/playground/timeline');
  console.log(`staff No.${n} arrived`);
  for (;;) {
    if (event.isSet()) {
      console.log(`door is open, staff No.${n} passing`);
      break;
    }
    console.log(`staff No.${n} swiped the card`);
    event.set();
    sleepSync(500);
  }
}

const event = label(new Event(), 'door open');
const everyoneIn = label(new Event(), 'everyone in');
const doorThread = new Thread({ target: door, args: [event, everyoneIn], name: 'door' });
doorThread.start();
const people: Thread[] = [];
for (const [n, late] of [[1, 200], [2, 400], [3, 4000]] as const) {
  await sleep(late);
  const person = new Thread({ target: staff, args: [event, n], name: `staff-${n}` });
  person.start();
  people.push(person);
}
for (const person of people) await person.join();
everyoneIn.set();
await doorThread.join();
console.log('everyone is in');
