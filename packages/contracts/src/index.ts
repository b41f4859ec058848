export * from './error-codes';
export * from './permissions';
export * from './events';
