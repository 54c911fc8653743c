// The entry of `npm run bench`. It compiles the TypeScript harness with tsx in this thread
// only: worker threads and child processes start as plain Node, as users' do. (Inheriting
// tsx's loader, a file-based Worker took ~100 ms to start here instead of ~28 ms, which
// would distort every start-up and pool figure.)
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
