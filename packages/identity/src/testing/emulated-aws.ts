import { constants, createPublicKey, generateKeyPairSync, type KeyObject, privateEncrypt } from 'node:crypto';
import {
  CreateKeyCommand,
  DisabledException,
  GetPublicKeyCommand,
  KMSClient,
  NotFoundException,
  ScheduleKeyDeletionCommand,
  SignCommand,
} from '@aws-sdk/client-kms';
import {
  GetSecretValueCommand,
  InvalidParameterException,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

const metadata = { $metadata: {} };

/**
 * Secrets Manager as far as the store uses it, behind the SDK's documented mock: versions, the
 * AWSCURRENT stage, and UpdateSecretVersionStage's refusal when RemoveFromVersionId no longer holds
 * the stage.
 */
export function emulatedSecretsManager() {
  const mock = mockClient(SecretsManagerClient);
  const state = { exists: true, versions: new Map<string, string>(), current: '', counter: 0 };
  const putVersion = (value: string) => {
    const id = `v${++state.counter}`;
    state.versions.set(id, value);
    return id;
  };
  mock.on(GetSecretValueCommand).callsFake(() => {
    if (!state.exists)
      throw new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        ...metadata,
      });
    return { SecretString: state.versions.get(state.current), VersionId: state.current };
  });
  mock.on(PutSecretValueCommand).callsFake((input: { SecretString: string }) => ({
    VersionId: putVersion(input.SecretString),
  }));
  mock
    .on(UpdateSecretVersionStageCommand)
    .callsFake((input: { MoveToVersionId: string; RemoveFromVersionId: string }) => {
      if (input.RemoveFromVersionId !== state.current)
        throw new InvalidParameterException({ message: 'The version is not AWSCURRENT', ...metadata });
      state.current = input.MoveToVersionId;
      return {};
    });
  return {
    mock,
    state,
    /** What another writer (or an operator in the console) makes current. */
    setCurrent(value: string) {
      state.current = putVersion(value);
    },
    currentKids: () =>
      (JSON.parse(state.versions.get(state.current)!) as { keys: { kid: string }[] }).keys.map(
        (key) => key.kid,
      ),
  };
}

/** The DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256 (RFC 8017 §9.2, note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * AWS KMS's asymmetric signing keys as far as Latchkey uses them, behind the SDK's documented mock:
 * CreateKey (RSA, SIGN_VERIFY), GetPublicKey (SPKI DER), Sign (a SHA-256 digest, PKCS#1 v1.5, made
 * with a private key that stays in this emulation), ScheduleKeyDeletion, and KMS's refusals of a
 * disabled, pending-deletion or unknown key.
 */
export function emulatedKms() {
  const mock = mockClient(KMSClient);
  const keys = new Map<string, { privateKey: KeyObject; enabled: boolean; deletionDays?: number }>();
  let counter = 0;
  const usable = (keyId: string) => {
    const key = keys.get(keyId);
    if (!key) throw new NotFoundException({ message: `Key '${keyId}' does not exist`, ...metadata });
    if (!key.enabled || key.deletionDays !== undefined)
      throw new DisabledException({ message: `${keyId} is disabled.`, ...metadata });
    return key;
  };
  mock.on(CreateKeyCommand).callsFake((input: { KeySpec: string; KeyUsage: string }) => {
    if (input.KeyUsage !== 'SIGN_VERIFY' || !/^RSA_\d+$/.test(input.KeySpec)) throw new Error('not emulated');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: Number(input.KeySpec.slice(4)) });
    const arn = `arn:aws:kms:eu-west-1:111122223333:key/emulated-${++counter}`;
    keys.set(arn, { privateKey, enabled: true });
    return { KeyMetadata: { Arn: arn, KeyId: `emulated-${counter}` } };
  });
  mock.on(GetPublicKeyCommand).callsFake((input: { KeyId: string }) => {
    const key = usable(input.KeyId);
    return {
      KeyId: input.KeyId,
      KeySpec: `RSA_${key.privateKey.asymmetricKeyDetails!.modulusLength!}`,
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PSS_SHA_256'],
      PublicKey: new Uint8Array(createPublicKey(key.privateKey).export({ format: 'der', type: 'spki' })),
    };
  });
  mock
    .on(SignCommand)
    .callsFake(
      (input: { KeyId: string; Message: Uint8Array; MessageType: string; SigningAlgorithm: string }) => {
        const key = usable(input.KeyId);
        if (input.MessageType !== 'DIGEST' || input.Message.length !== 32)
          throw new Error('not emulated: only a SHA-256 DIGEST');
        if (input.SigningAlgorithm !== 'RSASSA_PKCS1_V1_5_SHA_256')
          throw new Error('not emulated: algorithm');
        const signature = privateEncrypt(
          { key: key.privateKey, padding: constants.RSA_PKCS1_PADDING },
          Buffer.concat([SHA256_DIGEST_INFO, Buffer.from(input.Message)]),
        );
        return {
          KeyId: input.KeyId,
          Signature: new Uint8Array(signature),
          SigningAlgorithm: input.SigningAlgorithm,
        };
      },
    );
  mock.on(ScheduleKeyDeletionCommand).callsFake((input: { KeyId: string; PendingWindowInDays: number }) => {
    usable(input.KeyId).deletionDays = input.PendingWindowInDays;
    return { KeyId: input.KeyId };
  });
  return { mock, keys };
}
