// Amplify JS v6 against the sandbox: signIn with the TOTP code (Amplify confirms the new device
// itself), rememberDevice, fetchDevices, signOut, signIn again (DEVICE_SRP_AUTH: no code),
// forgetDevice, signIn again (the code is back).
// Usage: node amplify6.mjs CONFIG.json [AUTH_FLOW]  (default flow: Amplify's USER_SRP_AUTH)
import { createRequire } from 'module';
import { resolve } from 'path';

// Amplify names the device from the browser's navigator, which Node 20 does not have.
globalThis.navigator ??= { userAgent: 'Node.js (tests/js_clients/amplify6.mjs)' };
const { Amplify } = await import('aws-amplify');
const { signIn, confirmSignIn, signOut, rememberDevice, forgetDevice, fetchDevices } =
  await import('aws-amplify/auth');
const require = createRequire(import.meta.url);
const { totp } = require('./totp.cjs');
const cfg = require(resolve(process.argv[2]));
const authFlowType = process.argv[3];

Amplify.configure({ Auth: { Cognito: {
  userPoolId: cfg.poolId, userPoolClientId: cfg.clientId, userPoolEndpoint: cfg.endpoint } } });

async function signInOnce(step) {
  const options = authFlowType ? { authFlowType } : {};
  let result = await signIn({ username: cfg.username, password: cfg.password, options });
  let askedCode = false;
  if (result.nextStep.signInStep === 'CONFIRM_SIGN_IN_WITH_TOTP_CODE') {
    askedCode = true;  // `step` time steps ahead: each code is accepted once
    result = await confirmSignIn({ challengeResponse: totp(cfg.secret, Date.now() / 1000 + step * 30) });
  }
  if (!result.isSignedIn) throw new Error('not signed in: ' + JSON.stringify(result.nextStep));
  return askedCode;
}

try {
  if (!(await signInOnce(0))) throw new Error('the first sign-in should ask for the code');
  await rememberDevice();
  const devices = await fetchDevices();
  console.log('fetchDevices:', devices.map(d => [d.id, d.attributes['dev:device_remembered_status']]));
  if (devices.length !== 1) throw new Error('expected the one remembered device');
  await signOut();
  const asked = await signInOnce(1);
  console.log('second sign-in: code asked', asked);
  if (asked) throw new Error('the remembered device should have skipped the code');
  await forgetDevice();
  await signOut();
  const again = await signInOnce(1);
  console.log('after forgetDevice: code asked', again);
  if (!again) throw new Error('after forgetDevice the code should be back');
  await signOut();
  console.log('OK');
} catch (error) {
  console.error('FAILED', error);
  process.exit(1);
}
