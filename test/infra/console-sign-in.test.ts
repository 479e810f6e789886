import type { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BreakwaterControlPlane } from '../../infra/constructs/control-plane.js';
import {
  ALL_HANDLERS,
  buildControlPlane,
  HOME_ACCOUNT,
  identityStatements,
  logicalIdOf,
  logicalIdOfConstruct,
  render,
} from './helpers.js';

/*
 * The hosted console's sign-in: a Cognito user pool (Hosted UI, code + PKCE) and a console API
 * that is the API handler behind a Cognito authorizer, with CORS for the dashboard's origin only.
 */

describe('BreakwaterControlPlane hosted console sign-in', () => {
  let stack: Stack;
  let plane: BreakwaterControlPlane;
  let template: Template;
  const idOf = (construct: IConstruct) => logicalIdOfConstruct(stack, construct);
  const consoleUrl = () => `https://<${logicalIdOf(stack, plane, 'ConsoleDistribution')}.DomainName>`;

  beforeAll(() => {
    // GIVEN a control plane with every handler (the console is on by default)
    ({ stack, plane, template } = buildControlPlane({ handlers: ALL_HANDLERS }));
  });

  it('lets only administrator-created people sign in, with a strong password and a TOTP second factor', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolName: 'breakwater-console',
      UserPoolTier: 'ESSENTIALS',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 14,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      // The email is the name recorded on every command: nobody may change theirs.
      Schema: Match.arrayWith([Match.objectLike({ Name: 'email', Mutable: false, Required: true })]),
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: `breakwater-${HOME_ACCOUNT}` });
  });

  it('gives the dashboard a public app client: code flow (PKCE), no secret, redirects only to the dashboard', () => {
    const clients = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));
    expect(clients).toHaveLength(1);
    const client = clients[0]!.Properties;
    expect(client).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email'],
      SupportedIdentityProviders: ['COGNITO'],
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      IdTokenValidity: 60,
    });
    expect(client.CallbackURLs.map(render)).toEqual([`${consoleUrl()}/`]);
    expect(client.LogoutURLs.map(render)).toEqual([`${consoleUrl()}/`]);
  });

  it('puts a Cognito authorizer of that user pool on every console API method but the CORS preflight', () => {
    const consoleApi = idOf(plane.console!.api);
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).filter(
      (m) => m.Properties.RestApiId.Ref === consoleApi,
    );
    const authorizerId = logicalIdOf(stack, plane, 'ConsoleAuthorizer');
    expect(methods.map((m) => [m.Properties.HttpMethod, m.Properties.AuthorizationType]).sort()).toEqual([
      ['ANY', 'COGNITO_USER_POOLS'],
      ['ANY', 'COGNITO_USER_POOLS'],
      ['OPTIONS', 'NONE'],
      ['OPTIONS', 'NONE'],
    ]);
    for (const method of methods) {
      if (method.Properties.HttpMethod === 'ANY') {
        expect(method.Properties.AuthorizerId).toEqual({ Ref: authorizerId });
        expect(method.Properties.Integration.Type).toBe('AWS_PROXY');
        expect(render(method.Properties.Integration.Uri)).toContain(
          `<${logicalIdOf(stack, plane, 'ApiFunction')}.Arn>`,
        );
      } else {
        // The preflight is a mock: it reaches no handler.
        expect(method.Properties.Integration.Type).toBe('MOCK');
        expect(
          render(
            method.Properties.Integration.IntegrationResponses[0].ResponseParameters[
              'method.response.header.Access-Control-Allow-Origin'
            ],
          ),
        ).toBe(`'${consoleUrl()}'`);
      }
    }
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
      ProviderARNs: [{ 'Fn::GetAtt': [idOf(plane.console!.userPool), 'Arn'] }],
    });
  });

  it('lets only the dashboard origin read answers: the handler, the authorizer refusals and API Gateway errors', () => {
    const api = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack, plane, 'ApiFunction')];
    expect(render(api!.Properties.Environment.Variables.CONSOLE_ORIGIN)).toBe(consoleUrl());
    const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'));
    expect(responses.map((r) => r.Properties.ResponseType).sort()).toEqual(['DEFAULT_4XX', 'DEFAULT_5XX']);
    for (const response of responses) {
      expect(
        render(response.Properties.ResponseParameters['gatewayresponse.header.Access-Control-Allow-Origin']),
      ).toBe(`'${consoleUrl()}'`);
    }
  });

  it('gives the console no IAM permission: API Gateway may invoke the API handler from the console API stage only', () => {
    const consoleApi = idOf(plane.console!.api);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter((p) =>
      render(p.Properties.SourceArn).includes(`<${consoleApi}>`),
    );
    expect(permissions.length).toBeGreaterThan(0);
    for (const permission of permissions) {
      expect(permission.Properties).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
      });
      expect(render(permission.Properties.SourceArn)).toMatch(
        new RegExp(`^arn:<AWS::Partition>:execute-api:eu-west-1:${HOME_ACCOUNT}:<${consoleApi}>/`),
      );
    }
    // AND no role's policy mentions Cognito or the console API
    const statements = identityStatements(template);
    expect(statements.filter((s) => JSON.stringify(s).match(/cognito|ConsoleApi/i))).toEqual([]);
  });

  it('throws for a domain prefix Cognito refuses, naming the value and what is expected', () => {
    expect(() =>
      buildControlPlane({ handlers: ALL_HANDLERS, consoleDomainPrefix: 'my-aws-console' }),
    ).toThrow(/consoleDomainPrefix: expected .*without "aws", "amazon" or "cognito", got "my-aws-console"/);
  });
});
