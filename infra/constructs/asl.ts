import { readFileSync } from 'node:fs';

/** `${Name}` placeholders, as Step Functions' DefinitionSubstitutions spell them. */
const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** The placeholder names an ASL text uses, in order of first appearance. */
export function aslPlaceholders(definition: string): string[] {
  return [...new Set([...definition.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

/**
 * Reads an ASL file and fills every `${Name}` with its substitution (plain strings or CDK
 * tokens). Substituting here rather than through CloudFormation's DefinitionSubstitutions keeps
 * the template self-contained and lets a synth-time test prove that nothing is left unfilled;
 * CloudFormation would only find a forgotten placeholder when the state machine is created.
 *
 * @throws Error naming the file and every placeholder that has no substitution.
 * @example loadAslDefinition('statemachines/wave.asl.json', { StartWaveFunctionArn: fn.functionArn, ... })
 */
export function loadAslDefinition(file: string, substitutions: Readonly<Record<string, string>>): string {
  const definition = readFileSync(file, 'utf8');
  const missing = aslPlaceholders(definition).filter((name) => substitutions[name] === undefined);
  if (missing.length > 0) {
    throw new Error(
      `${file}: expected a substitution for every placeholder, got none for ${missing.map((m) => '${' + m + '}').join(', ')}`,
    );
  }
  return definition.replace(PLACEHOLDER, (_match, name: string) => substitutions[name]!);
}
