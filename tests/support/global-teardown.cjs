module.exports = async function globalTeardown() {
  if (globalThis.__latchkeyContainer) await globalThis.__latchkeyContainer.stop();
};
