import { useEffect, useState } from 'react';

const SPA_VERSION = import.meta.env.VITE_APP_VERSION;
// Everything after v1 ships the canary features (badge, ratings).
const HAS_NEW_FEATURES = SPA_VERSION !== 'v1';
// Set just before the one automatic reload, so a persistent mismatch never loops.
const RELOAD_FLAG = 'canary:mismatch-reloaded';
// Long enough for the user to read the notice.
const RELOAD_DELAY_MS = 1000;
// The version this page was before the automatic reload, so the reloaded page can say what happened.
const MOVED_FROM = 'canary:moved-from';
// The router's notices to users (maintenance windows and the like) start and end on the clock.
const NOTICE_POLL_MS = 30000;

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

async function postJson(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`${url} answered HTTP ${response.status}`);
  }
  return response;
}

// The experiment's two goals (router.json "Goals"): an order is a request goal the router sees on POST /api/orders;
// the rating is a beacon goal the router answers itself on /canary/goals/feedback.
function FeedbackWidget() {
  const [sent, setSent] = useState(null);
  const [error, setError] = useState(null);
  const rate = (score) =>
    postJson('/canary/goals/feedback', { value: score }).then(() => setSent(score), (e) => setError(e.message));
  return (
    <section className="feedback" data-testid="feedback">
      {sent === null ? (
        <>
          <span>How do you like the shop?</span>
          {[1, 2, 3, 4, 5].map((score) => (
            <button key={score} type="button" data-testid={`feedback-${score}`} onClick={() => rate(score)}>
              {score}
            </button>
          ))}
        </>
      ) : (
        <span data-testid="feedback-thanks">Thanks for rating us {sent}/5!</span>
      )}
      {error && <span className="error">{error}</span>}
    </section>
  );
}

// The operators' notices for this shop, from the router itself (GET /canary/notice, never cached).
function NoticeBanner() {
  const [notices, setNotices] = useState([]);
  useEffect(() => {
    const controller = new AbortController();
    // No notice is not an error: without the router (or with an old one) the page just has none.
    const load = () => getJson('/canary/notice', controller.signal).then((body) => setNotices(body.notices ?? []), () => {});
    load();
    const timer = setInterval(load, NOTICE_POLL_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, []);
  if (notices.length === 0) {
    return null;
  }
  return (
    <aside className="notice-banner" role="status" data-testid="notice-banner">
      {notices.map((notice) => (
        <p key={notice.release}>
          <strong>Notice:</strong> {notice.message}{' '}
          <small>(until {new Date(notice.until).toUTCString()})</small>
        </p>
      ))}
    </aside>
  );
}

// After the automatic reload: what happened, in words, instead of a page that silently changed under the user.
function VersionChanged({ from }) {
  const [open, setOpen] = useState(true);
  if (!open) {
    return null;
  }
  return (
    <p className="notice version-changed" role="status" data-testid="version-changed">
      The shop changed while you had it open: this page was {from} and the server moved you to {SPA_VERSION}, so it
      reloaded to match. Anything you had in progress may need another try.{' '}
      <button type="button" onClick={() => setOpen(false)}>
        OK
      </button>
    </p>
  );
}

export default function App() {
  const [apiVersion, setApiVersion] = useState(null);
  const [products, setProducts] = useState([]);
  const [error, setError] = useState(null);
  const [ordered, setOrdered] = useState(null);
  // Read once: a later manual reload says nothing more.
  const [movedFrom] = useState(() => {
    const from = sessionStorage.getItem(MOVED_FROM);
    sessionStorage.removeItem(MOVED_FROM);
    return from;
  });

  const order = (product) =>
    postJson('/api/orders', { productId: product.id, quantity: 1 }).then(
      () => setOrdered(product.name),
      (e) => setError(e.message),
    );

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
      sessionStorage.setItem(MOVED_FROM, SPA_VERSION);
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

      <NoticeBanner />

      {!mismatch && apiVersion !== null && movedFrom !== null && movedFrom !== SPA_VERSION && <VersionChanged from={movedFrom} />}

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
            {/* What the A/B experiment compares: v2's one-click "Buy now" against v1's plain "Add to cart". */}
            <button
              type="button"
              className={HAS_NEW_FEATURES ? 'buy buy-now' : 'buy'}
              data-testid={`add-to-cart-${product.id}`}
              onClick={() => order(product)}
            >
              {HAS_NEW_FEATURES ? 'Buy now ⚡' : 'Add to cart'}
            </button>
          </li>
        ))}
      </ul>

      {ordered && (
        <p className="ordered" data-testid="order-status">
          Ordered: {ordered}
        </p>
      )}

      <FeedbackWidget />
    </div>
  );
}
