/**
 * @module abi/interfaces/io
 * `wasi:io@0.2.x` (error, poll, streams) for the lean ABI. The resources are shared with the
 * interfaces that `use` them (wasi:http, wasi:cli, wasi:clocks).
 */
import { InterfaceBuilder } from "../signature.ts";
import { bool, borrow, list, own, result, u32, u64, u8, string, variant } from "../types.ts";

const errorI = new InterfaceBuilder("wasi:io/error");
export const ioErrorRes = errorI.resource("error");
errorI.method(ioErrorRes, "to-debug-string", [], string);

const pollI = new InterfaceBuilder("wasi:io/poll");
export const pollableRes = pollI.resource("pollable");
pollI
  .method(pollableRes, "ready", [], bool)
  .method(pollableRes, "block", [])
  .func("poll", [list(borrow(pollableRes))], list(u32));

const streamsI = new InterfaceBuilder("wasi:io/streams");
export const inputStreamRes = streamsI.resource("input-stream");
export const outputStreamRes = streamsI.resource("output-stream");
const streamError = variant({ "last-operation-failed": own(ioErrorRes), closed: null });
const bytes = list(u8);
const pollable = own(pollableRes);
streamsI
  .method(inputStreamRes, "read", [u64], result(bytes, streamError))
  .method(inputStreamRes, "blocking-read", [u64], result(bytes, streamError))
  .method(inputStreamRes, "skip", [u64], result(u64, streamError))
  .method(inputStreamRes, "blocking-skip", [u64], result(u64, streamError))
  .method(inputStreamRes, "subscribe", [], pollable)
  .method(outputStreamRes, "check-write", [], result(u64, streamError))
  .method(outputStreamRes, "write", [bytes], result(null, streamError))
  .method(outputStreamRes, "blocking-write-and-flush", [bytes], result(null, streamError))
  .method(outputStreamRes, "flush", [], result(null, streamError))
  .method(outputStreamRes, "blocking-flush", [], result(null, streamError))
  .method(outputStreamRes, "subscribe", [], pollable)
  .method(outputStreamRes, "write-zeroes", [u64], result(null, streamError))
  .method(outputStreamRes, "blocking-write-zeroes-and-flush", [u64], result(null, streamError))
  .method(outputStreamRes, "splice", [borrow(inputStreamRes), u64], result(u64, streamError))
  .method(
    outputStreamRes,
    "blocking-splice",
    [borrow(inputStreamRes), u64],
    result(u64, streamError),
  );

export const ioError = errorI.build();
export const ioPoll = pollI.build();
export const ioStreams = streamsI.build();
