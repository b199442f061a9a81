/**
 * @module abi/interfaces
 * The lean ABI's descriptors of the interfaces it serves (one file per package: cli, clocks,
 * http, io, random, rusm). catalog/ names each with its interface; this module exports what
 * the lean instance itself needs, the resources of its `handle` export's parameters.
 */
export { incomingRequestRes, responseOutparamRes } from "./http.ts";
