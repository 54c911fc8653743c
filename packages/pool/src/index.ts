/**
 * @conc/pool — see the package README.
 *
 * @packageDocumentation
 */
export { ConcError } from '@conc/core';
