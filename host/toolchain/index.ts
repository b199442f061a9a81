/**
 * @module toolchain
 * Building guests into components: WAT with jco's wasm-tools, TypeScript/JavaScript with
 * StarlingMonkey (componentize-js) or QuickJS (the prototype backend). Used by `scripts/build-guests.ts`. Only assembles.
 */

export { ensureToolPreopens } from "./preopens.ts";
export {
  HTTP_GUEST_WORLD,
  STARLINGMONKEY_WORLD,
  WIT_DEPS_DIR,
  WIT_DIR,
  deriveStarlingMonkeyWit,
  httpGuestWitInputs,
  listFiles,
  prepareWorldWit,
  starlingMonkeyWitInputs,
  stripWorlds,
} from "./wit.ts";
export {
  buildCoreModule,
  buildWatComponent,
  isComponent,
  isCoreModule,
  parseWat,
  type WatSource,
  type WitTarget,
} from "./wat.ts";
export { composeWat, type ComposedWat } from "./wat-compose.ts";
export { PREVIEW1_MODULE, preview1Adapter, preview1AdapterPath } from "./preview1.ts";
export {
  buildStarlingMonkeyGuest,
  bundleGuest,
  type StarlingMonkeyBuild,
  type StarlingMonkeyOptions,
} from "./starlingmonkey.ts";
export { QUICKJS_APT_PACKAGES, QUICKJS_INPUTS } from "./quickjs.ts";
export {
  buildGuest,
  ENGINES,
  type Engine,
  type GuestBuildOptions,
  type GuestBuildResult,
  type GuestShape,
} from "./guest-build.ts";
export { RECIPE_VERSION, toolVersions, type ToolVersions } from "./versions.ts";
