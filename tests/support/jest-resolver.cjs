// The client SDK (packages/client) is an ESM package: its sources import each other by the name
// they have once built (`./latchkey-client.js`). Under jest they run from source, so such an
// import is resolved to the TypeScript file beside it. Only there: other packages' `.js` imports
// (node_modules included) are left to jest.
const path = require('node:path');

const CLIENT_SOURCES = `${path.sep}packages${path.sep}client${path.sep}src`;

module.exports = (request, options) => {
  if (options.basedir.includes(CLIENT_SOURCES) && /^\.{1,2}\/.+\.js$/.test(request))
    return options.defaultResolver(request.replace(/\.js$/, '.ts'), options);
  return options.defaultResolver(request, options);
};
