// For tests only: a clock they move by hand.
export { TestClock } from './test-clock';
