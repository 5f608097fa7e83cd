/**
 * Pulumi entry point (`pulumi up --stack dev|prod`). Every key of the exported
 * object is a stack output; see stack/platform.ts for what they are.
 */
import { program } from "./stack/program";

export = program();
