/**
 * The provider registry. Adding a provider = one module in this folder + one line here.
 * Order does not matter; each module declares its own port offset.
 */
import type { ProviderModule } from "../core/types";
import stripe from "./stripe";
import creem from "./creem";
import faststar from "./faststar";
import recur from "./recur";
import dodo from "./dodo";

export const providers: readonly ProviderModule[] = [
  stripe,
  creem, // (portOffset 1)
  dodo, // (portOffset 2)
  recur, // (portOffset 3)
  faststar, // (portOffset 4)
];

export function findProvider(name: string): ProviderModule | undefined {
  return providers.find((p) => p.name === name);
}
