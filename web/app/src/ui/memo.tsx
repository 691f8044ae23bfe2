// memo(C): C re-rendered only when one of its props changed (shallow
// comparison), for the rows of long lists (messages, conversations). Preact's
// own memo lives in preact/compat, which the app does not need otherwise.
import { Component, type FunctionComponent } from "preact";

function shallowEqual(a: object, b: object): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export function memo<P extends object>(Inner: FunctionComponent<P>): FunctionComponent<P> {
  class Memo extends Component<P> {
    shouldComponentUpdate(next: P): boolean {
      return !shallowEqual(this.props, next);
    }
    render() {
      return <Inner {...this.props} />;
    }
  }
  return Memo as unknown as FunctionComponent<P>;
}
