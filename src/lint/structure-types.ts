import type { ValueInfo } from './token-view.ts';

/** An attribute whose name starts with NIX_, bound in an attribute set or inherited into one. */
export interface AttrName {
  name: string;
  start: number;
  end: number;
  via: 'attr' | 'inherit';
  /** Full attribute path from the enclosing `x = { ... }` bindings, e.g. ['env', 'NIX_LDFLAGS']. */
  path: string[];
  /** Directly under an `env` attribute (mkDerivation's env). */
  inEnv: boolean;
  /** A top-level attribute of its attribute set (a derivation argument when that set is one). */
  direct: boolean;
  /** The attribute set that holds it as argument or in its `env`. */
  host: number;
  value: ValueInfo;
}

/** Facts about an attribute set that change what its NIX_ attributes do. */
export interface SetFacts {
  structuredAttrs: boolean;
  hardeningLists: boolean;
}

export interface Structure {
  names: AttrName[];
  sets: Map<number, SetFacts>;
  /** Strings that are attribute names or prose (descriptions): not shell code. */
  notShell: Set<number>;
}
