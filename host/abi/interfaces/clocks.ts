/**
 * @module abi/interfaces/clocks
 * `wasi:clocks@0.2.x` (monotonic-clock, wall-clock) for the lean ABI.
 */
import { InterfaceBuilder } from "../signature.ts";
import { own, record, u32, u64 } from "../types.ts";
import { pollableRes } from "./io.ts";

const datetime = record({ seconds: u64, nanoseconds: u32 });

export const monotonicClock = new InterfaceBuilder("wasi:clocks/monotonic-clock")
  .func("now", [], u64)
  .func("resolution", [], u64)
  .func("subscribe-instant", [u64], own(pollableRes))
  .func("subscribe-duration", [u64], own(pollableRes))
  .build();

export const wallClock = new InterfaceBuilder("wasi:clocks/wall-clock")
  .func("now", [], datetime)
  .func("resolution", [], datetime)
  .build();
