// Log in or sign up: one form, the display name used by "Sign up" only.
import { useState } from "preact/hooks";
import { logIn, signUp } from "../state/session";
import { state } from "../store";

export function Auth() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const run = async (action: "login" | "signup") => {
    setBusy(true);
    setError("");
    const err =
      action === "login" ? await logIn(username, password) : await signUp(username, password, displayName);
    setBusy(false);
    if (err) setError(err);
  };

  return (
    <main class="auth">
      <h1 class="brand">messenger</h1>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void run("login");
        }}
      >
        <h2>Welcome</h2>
        <label for="username">Username</label>
        <input
          id="username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
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
          minLength={8}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <label for="display-name">Display name</label>
        <input
          id="display-name"
          name="displayName"
          autoComplete="nickname"
          aria-describedby="display-name-hint"
          value={displayName}
          onInput={(e) => setDisplayName(e.currentTarget.value)}
        />
        <p id="display-name-hint" class="hint">
          Optional, for signing up; your username otherwise.
        </p>
        <div class="actions">
          <button type="submit" disabled={busy}>
            Log in
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={() => void run("signup")}>
            Sign up
          </button>
        </div>
        <p class="error" role="alert">
          {error || state.notice}
        </p>
      </form>
    </main>
  );
}
