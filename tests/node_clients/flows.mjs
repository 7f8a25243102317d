// Sign-up, TOTP and refresh flows of two JavaScript clients, run against the local sandbox by
// tests/test_node_clients.py. Usage: node flows.mjs FLOW '{"endpoint": ..., "userPoolId": ...}'
//
// The test answers what a person would: each time the flow needs a code it prints one JSON line
// {"ask": "totp", "secret": ...} or {"ask": "code", "username": ...} and reads the answer, a line
// {"code": "123456"}, on stdin (the test computes TOTP codes on the sandbox's clock and reads
// e-mailed codes from the sandbox's outbox). Each step prints {"step": NAME, ...}; the last line
// is {"done": true} or {"error": NAME, "message": ...}.
import { createInterface } from "node:readline";

const [flow, configText] = process.argv.slice(2);
const config = JSON.parse(configText);
const answers = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

function say(line) {
  process.stdout.write(JSON.stringify(line) + "\n");
}

async function ask(question) {
  say({ ask: question.ask, ...question });
  const { value, done } = await answers.next();
  if (done) throw new Error(`no answer to ${JSON.stringify(question)}`);
  return JSON.parse(value).code;
}

// --- amazon-cognito-identity-js: callbacks, SRP sign-in, MFA_SETUP inside the sign-in ---------

async function identityJs() {
  const {
    AuthenticationDetails,
    CognitoUser,
    CognitoUserAttribute,
    CognitoUserPool,
  } = await import("amazon-cognito-identity-js");
  const pool = new CognitoUserPool({
    UserPoolId: config.userPoolId,
    ClientId: config.clientId,
    endpoint: config.endpoint,
  });
  const { username, password, email } = config;
  const user = () => new CognitoUser({ Username: username, Pool: pool });
  const promised = (start) =>
    new Promise((resolve, reject) => start((error, result) => (error ? reject(error) : resolve(result))));

  const signedUp = await promised((done) =>
    pool.signUp(username, password, [new CognitoUserAttribute({ Name: "email", Value: email })], null, done),
  );
  say({ step: "signUp", codeDeliveryDetails: signedUp.codeDeliveryDetails, confirmed: signedUp.userConfirmed });
  const code = await ask({ ask: "code", username });
  await promised((done) => user().confirmRegistration(code, true, done));
  say({ step: "confirmRegistration" });

  // The first sign-in asks for MFA_SETUP: associate, verify with a code, and the library answers
  // MFA_SETUP itself with the Session VerifySoftwareToken returned.
  const first = user();
  const session = await new Promise((resolve, reject) => {
    first.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: resolve,
      onFailure: reject,
      mfaSetup: () =>
        first.associateSoftwareToken({
          associateSecretCode: async (secret) => {
            const totp = await ask({ ask: "totp", secret, step: "enrol" });
            first.verifySoftwareToken(totp, "node", { onSuccess: resolve, onFailure: reject });
          },
          onFailure: reject,
        }),
    });
  });
  say({ step: "mfaSetup", valid: session.isValid() });

  const second = user();
  const signedIn = await new Promise((resolve, reject) => {
    second.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: resolve,
      onFailure: reject,
      totpRequired: async () => {
        const totp = await ask({ ask: "totp", step: "sign in" });
        second.sendMFACode(totp, { onSuccess: resolve, onFailure: reject }, "SOFTWARE_TOKEN_MFA");
      },
    });
  });
  say({ step: "totpSignIn", username: signedIn.getIdToken().payload["cognito:username"] });

  const refreshed = await promised((done) => second.refreshSession(signedIn.getRefreshToken(), done));
  say({ step: "refreshSession", sameSignIn:
    refreshed.getAccessToken().payload.origin_jti === signedIn.getAccessToken().payload.origin_jti });
  const attributes = await promised((done) => second.getUserAttributes(done));
  say({ step: "getUserAttributes", email: attributes.find((a) => a.getName() === "email").getValue() });

  await new Promise((resolve, reject) =>
    user().forgotPassword({
      onSuccess: resolve,
      onFailure: reject,
      inputVerificationCode: async (data) => {
        say({ step: "forgotPassword", codeDeliveryDetails: data.CodeDeliveryDetails });
        const resetCode = await ask({ ask: "code", username });
        user().confirmPassword(resetCode, config.newPassword, { onSuccess: resolve, onFailure: reject });
      },
    }),
  );
  say({ step: "confirmPassword" });
  await promised((done) => second.globalSignOut({ onSuccess: () => done(null), onFailure: done }));
  say({ step: "globalSignOut" });
}

// --- Amplify JS v6: nextStep-driven sign-in, GetTokensFromRefreshToken, RevokeToken ------------

async function amplify() {
  const { Amplify } = await import("aws-amplify");
  const auth = await import("aws-amplify/auth");
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: config.userPoolId,
        userPoolClientId: config.clientId,
        userPoolEndpoint: config.endpoint,
      },
    },
  });
  const { username, password, email } = config;

  const signedUp = await auth.signUp({ username, password, options: { userAttributes: { email } } });
  say({ step: "signUp", nextStep: signedUp.nextStep.signUpStep,
    codeDeliveryDetails: signedUp.nextStep.codeDeliveryDetails });
  await auth.resendSignUpCode({ username });
  const code = await ask({ ask: "code", username });
  const confirmed = await auth.confirmSignUp({ username, confirmationCode: code });
  say({ step: "confirmSignUp", complete: confirmed.isSignUpComplete });

  let signIn = await auth.signIn({ username, password });
  say({ step: "signIn", nextStep: signIn.nextStep.signInStep });
  const secret = signIn.nextStep.totpSetupDetails.sharedSecret;
  signIn = await auth.confirmSignIn({ challengeResponse: await ask({ ask: "totp", secret, step: "enrol" }) });
  say({ step: "confirmSignIn", nextStep: signIn.nextStep.signInStep });

  const session = await auth.fetchAuthSession();
  const forced = await auth.fetchAuthSession({ forceRefresh: true }); // GetTokensFromRefreshToken
  say({
    step: "forceRefresh",
    newAccessToken: forced.tokens.accessToken.toString() !== session.tokens.accessToken.toString(),
    sameSignIn: forced.tokens.accessToken.payload.origin_jti === session.tokens.accessToken.payload.origin_jti,
    email: forced.tokens.idToken.payload.email,
  });
  const attributes = await auth.fetchUserAttributes();
  say({ step: "fetchUserAttributes", email: attributes.email, emailVerified: attributes.email_verified });
  const mfa = await auth.fetchMFAPreference();
  say({ step: "fetchMFAPreference", enabled: mfa.enabled });
  await auth.signOut(); // RevokeToken

  signIn = await auth.signIn({ username, password });
  say({ step: "signInAgain", nextStep: signIn.nextStep.signInStep });
  signIn = await auth.confirmSignIn({ challengeResponse: await ask({ ask: "totp", step: "sign in" }) });
  say({ step: "totpSignIn", nextStep: signIn.nextStep.signInStep });
  await auth.signOut({ global: true }); // GlobalSignOut

  const reset = await auth.resetPassword({ username });
  say({ step: "resetPassword", nextStep: reset.nextStep.resetPasswordStep,
    codeDeliveryDetails: reset.nextStep.codeDeliveryDetails });
  const resetCode = await ask({ ask: "code", username });
  await auth.confirmResetPassword({ username, confirmationCode: resetCode, newPassword: config.newPassword });
  say({ step: "confirmResetPassword" });
}

const flows = { "identity-js": identityJs, amplify };
try {
  await flows[flow]();
  say({ done: true });
  process.exit(0);
} catch (error) {
  say({ error: error.name ?? "Error", message: error.message ?? String(error) });
  process.exit(1);
}
