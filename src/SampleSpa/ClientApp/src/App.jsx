import { useEffect, useState } from 'react';

const SPA_VERSION = import.meta.env.VITE_APP_VERSION;
// Everything after v1 ships the canary features (badge, ratings).
const HAS_NEW_FEATURES = SPA_VERSION !== 'v1';
// Set just before the one automatic reload, so a persistent mismatch never loops.
const RELOAD_FLAG = 'canary:mismatch-reloaded';
// Long enough for the user to read the notice.
const RELOAD_DELAY_MS = 1000;

const currency = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

async function getJson(url, signal) {
  const response = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  if (!response.ok) {
    throw new Error(`${url} answered HTTP ${response.status}`);
  }
  // Without an API behind the same origin, the SPA host answers with index.html.
  if (!response.headers.get('Content-Type')?.includes('json')) {
    throw new Error(`${url} did not return JSON`);
  }
  return response.json();
}

export default function App() {
  const [apiVersion, setApiVersion] = useState(null);
  const [products, setProducts] = useState([]);
  const [error, setError] = useState(null);

  useEffect(() => {
    const controller = new AbortController();
    const fail = (e) => {
      if (!controller.signal.aborted) {
        setError(e.message);
      }
    };
    getJson('/api/version', controller.signal).then((body) => setApiVersion(body.version), fail);
    getJson('/api/products', controller.signal).then(setProducts, fail);
    return () => controller.abort();
  }, []);

  const mismatch = apiVersion !== null && apiVersion !== SPA_VERSION;
  const willReload = mismatch && !sessionStorage.getItem(RELOAD_FLAG);

  useEffect(() => {
    if (apiVersion === null) {
      return undefined;
    }
    if (!mismatch) {
      sessionStorage.removeItem(RELOAD_FLAG);
      return undefined;
    }
    if (!willReload) {
      return undefined;
    }
    const timer = setTimeout(() => {
      sessionStorage.setItem(RELOAD_FLAG, '1');
      window.location.reload();
    }, RELOAD_DELAY_MS);
    return () => clearTimeout(timer);
  }, [apiVersion, mismatch, willReload]);

  return (
    <div className="app">
      <header>
        <h1>Canary Shop {SPA_VERSION}</h1>
        {HAS_NEW_FEATURES && <span className="badge">New</span>}
      </header>

      <section className="versions">
        <span>
          App version <strong data-testid="spa-version">{SPA_VERSION}</strong>
        </span>
        <span>
          API version <strong data-testid="api-version">{apiVersion ?? '…'}</strong>
        </span>
      </section>

      {mismatch && (
        <p className="notice" data-testid="version-mismatch">
          This page is {SPA_VERSION} but the server is {apiVersion}.{' '}
          {willReload ? 'Reloading to get the matching version…' : 'Reload the page to update.'}
        </p>
      )}

      {error && (
        <p className="error" data-testid="api-error">
          Could not reach the API: {error}
        </p>
      )}

      <ul className="products" data-testid="products">
        {products.map((product) => (
          <li key={product.id}>
            <span className="name">{product.name}</span>
            <span className="price">{currency.format(product.price)}</span>
            {HAS_NEW_FEATURES && product.rating != null && (
              <span className="rating">★ {product.rating.toFixed(1)}</span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
