/** Audit layer: judges what inspection found (`guestguard profile`): engine, built-in profiles, output formats. */
export * from './engine/index.js';
export * from './profiles/index.js';
export * from './report/index.js';
