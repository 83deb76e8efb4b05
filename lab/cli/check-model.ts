// A model named as plain data, so that `faultline check` can hand it to a worker thread, which
// rebuilds the same model from it. No I/O here: the verb resolves initial values before.
import { bankModel, kvModel, multiRegisterModel, mutexModel, registerModel } from '../../models/index.js';
import type { AnyModel, InitialAccount, RegisterValue } from '../../models/index.js';

export type ModelSpec =
  | { name: 'bank'; accounts: InitialAccount[] }
  | { name: 'register' | 'cas-register'; initial: RegisterValue }
  | { name: 'kv'; initial: string }
  | { name: 'multi-register'; initial: Record<string, RegisterValue> }
  | { name: 'mutex' };

export function modelFromSpec(spec: ModelSpec): AnyModel {
  switch (spec.name) {
    case 'bank':
      return bankModel(spec.accounts);
    case 'register':
    case 'cas-register':
      return registerModel({ initial: spec.initial, name: spec.name });
    case 'kv':
      return kvModel({ initial: spec.initial });
    case 'multi-register':
      return multiRegisterModel({ initial: spec.initial });
    case 'mutex':
      return mutexModel();
  }
}
