/**
 * @module abi/interfaces/random
 * `wasi:random@0.2.x` (random, insecure, insecure-seed) for the lean ABI.
 */
import { InterfaceBuilder } from "../signature.ts";
import { list, tuple, u64, u8 } from "../types.ts";

export const random = new InterfaceBuilder("wasi:random/random")
  .func("get-random-bytes", [u64], list(u8))
  .func("get-random-u64", [], u64)
  .build();

export const insecure = new InterfaceBuilder("wasi:random/insecure")
  .func("get-insecure-random-bytes", [u64], list(u8))
  .func("get-insecure-random-u64", [], u64)
  .build();

export const insecureSeed = new InterfaceBuilder("wasi:random/insecure-seed")
  .func("insecure-seed", [], tuple(u64, u64))
  .build();
