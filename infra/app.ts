import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadInfraConfig } from './config.js';
import { defineBreakwaterApp } from './stacks.js';

/*
 * The CDK app: the control plane stack and, when the control plane account is known, the target
 * role and alarm forwarder stacks of the target accounts and regions (infra/stacks.ts).
 * Synthesizes offline.
 */
const app = new App();
defineBreakwaterApp(app, loadInfraConfig());
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
