// Log in and sign up: two tabs of one card (WAI-ARIA tabs: arrows move
// between them). Signing up asks for a display name (optional), logging in
// does not.
import { useId, useRef, useState } from "preact/hooks";
import { logIn, signUp } from "../state/session";
import { notice } from "../state/ui";
import { ChatIcon } from "./icons";

type Mode = "login" | "signup";

export function Auth() {
  const [mode, setMode] = useState<Mode>("login");
  const tabs = { login: useRef<HTMLButtonElement>(null), signup: useRef<HTMLButtonElement>(null) };
  const id = useId();
  const tab = (m: Mode, label: string) => (
    <button
      type="button"
      role="tab"
      id={`${id}-${m}`}
      ref={tabs[m]}
      aria-selected={mode === m}
      aria-controls={`${id}-panel`}
      tabIndex={mode === m ? 0 : -1}
      onClick={() => setMode(m)}
      onKeyDown={(e) => {
        if (e.key === "ArrowLeft" || e.key === "ArrowRight" || e.key === "Home" || e.key === "End") {
          e.preventDefault();
          const other: Mode = m === "login" ? "signup" : "login";
          setMode(other);
          tabs[other].current?.focus();
        }
      }}
    >
      {label}
    </button>
  );
  return (
    <main class="auth">
      <div class="auth-brand">
        <span class="logo" aria-hidden="true">
          <ChatIcon />
        </span>
        <h1>messenger</h1>
        <p class="tagline">Talk with the people you know, on every device, live.</p>
      </div>
      <div class="card">
        <div role="tablist" aria-label="Log in or sign up" class="tabs">
          {tab("login", "Log in")}
          {tab("signup", "Sign up")}
        </div>
        <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-${mode}`}>
          {mode === "login" ? <LogInForm /> : <SignUpForm />}
        </div>
      </div>
    </main>
  );
}

function useSubmit(action: () => Promise<string | null>) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    const err = await action();
    setBusy(false);
    if (err) setError(err);
  };
  return { error, busy, submit };
}

function Problem({ error }: { error: string }) {
  const text = error || notice.value;
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

function LogInForm() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const { error, busy, submit } = useSubmit(() => logIn(username, password));
  return (
    <form class="auth-form" onSubmit={(e) => void submit(e)}>
      <h2 class="visually-hidden">Log in</h2>
      <label for="username">Username</label>
      <input
        id="username"
        name="username"
        autoComplete="username"
        autoCapitalize="none"
        spellcheck={false}
        required
        value={username}
        onInput={(e) => setUsername(e.currentTarget.value)}
      />
      <label for="password">Password</label>
      <input
        id="password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onInput={(e) => setPassword(e.currentTarget.value)}
      />
      <button type="submit" class="primary wide" disabled={busy}>
        {busy ? "Logging in…" : "Log in"}
      </button>
      <Problem error={error} />
    </form>
  );
}

function SignUpForm() {
  const [displayName, setDisplayName] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const { error, busy, submit } = useSubmit(() => signUp(username, password, displayName));
  return (
    <form class="auth-form" onSubmit={(e) => void submit(e)}>
      <h2 class="visually-hidden">Sign up</h2>
      <label for="display-name">Display name</label>
      <input
        id="display-name"
        name="displayName"
        autoComplete="name"
        maxLength={64}
        aria-describedby="display-name-hint"
        value={displayName}
        onInput={(e) => setDisplayName(e.currentTarget.value)}
      />
      <p id="display-name-hint" class="hint">
        What others see. Optional: your username otherwise.
      </p>
      <label for="username">Username</label>
      <input
        id="username"
        name="username"
        autoComplete="username"
        autoCapitalize="none"
        spellcheck={false}
        required
        minLength={3}
        maxLength={32}
        pattern="[A-Za-z0-9_]+"
        aria-describedby="username-hint"
        value={username}
        onInput={(e) => setUsername(e.currentTarget.value)}
      />
      <p id="username-hint" class="hint">
        3 to 32 letters, digits or _.
      </p>
      <label for="password">Password</label>
      <input
        id="password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        aria-describedby="password-hint"
        value={password}
        onInput={(e) => setPassword(e.currentTarget.value)}
      />
      <p id="password-hint" class="hint">
        At least 8 characters.
      </p>
      <button type="submit" class="primary wide" disabled={busy}>
        {busy ? "Creating your account…" : "Create account"}
      </button>
      <Problem error={error} />
    </form>
  );
}
