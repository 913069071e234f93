#!/usr/bin/env node
// The agentsim command, with no build step: register tsx, then run the TypeScript entry.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
