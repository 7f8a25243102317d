// amazon-cognito-identity-js against the sandbox: sign in with the TOTP code (the SDK confirms
// the new device itself), remember the device if the pool asks the user, list it, sign in again
// (DEVICE_SRP_AUTH: no code), forget it, and sign in again (the code is back).
// Usage: node identity_js.js CONFIG.json  (endpoint, poolId, clientId, username, password, secret)
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require('amazon-cognito-identity-js');
const { totp } = require('./totp.cjs');

const cfg = require(require('path').resolve(process.argv[2]));
const pool = new CognitoUserPool({ UserPoolId: cfg.poolId, ClientId: cfg.clientId, endpoint: cfg.endpoint });
const callbacks = (resolve, reject) => ({ onSuccess: resolve, onFailure: reject });

function signIn(step) {
  return new Promise((resolve, reject) => {
    const user = new CognitoUser({ Username: cfg.username, Pool: pool });
    let askedCode = false;
    const details = new AuthenticationDetails({ Username: cfg.username, Password: cfg.password });
    user.authenticateUser(details, {
      onSuccess(session, userConfirmationNecessary) { resolve({ user, askedCode, userConfirmationNecessary }); },
      onFailure: reject,
      totpRequired() {
        askedCode = true;  // `step` time steps ahead: each code is accepted once
        user.sendMFACode(totp(cfg.secret, Date.now() / 1000 + step * 30), this, 'SOFTWARE_TOKEN_MFA');
      },
      mfaRequired() { reject(new Error('SMS_MFA was asked')); },
    });
  });
}

(async () => {
  const first = await signIn(0);
  console.log('first sign-in: code asked', first.askedCode, 'device', first.user.deviceKey);
  if (!first.askedCode || !first.user.deviceKey) throw new Error('expected the code and a device key');
  if (first.userConfirmationNecessary) {
    await new Promise((res, rej) => first.user.setDeviceStatusRemembered(callbacks(res, rej)));
  }
  const listed = await new Promise((res, rej) => first.user.listDevices(60, null, callbacks(res, rej)));
  console.log('listDevices:', listed.Devices.map(d => d.DeviceKey));
  if (listed.Devices.length !== 1) throw new Error('expected the one remembered device');
  const second = await signIn(1);
  console.log('second sign-in: code asked', second.askedCode);
  if (second.askedCode) throw new Error('the remembered device should have skipped the code');
  await new Promise((res, rej) => second.user.forgetDevice(callbacks(res, rej)));
  const third = await signIn(1);
  console.log('after forgetDevice: code asked', third.askedCode);
  if (!third.askedCode) throw new Error('after forgetDevice the code should be back');
  console.log('OK');
})().catch(error => { console.error('FAILED', error); process.exit(1); });
