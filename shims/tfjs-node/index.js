// danfojs-node requires '@tensorflow/tfjs-node'; this shim hands it the workbook's own tfjs instead,
// so there is exactly one tfjs engine (and one set of registered backends) in the process.
module.exports = require('@tensorflow/tfjs');
