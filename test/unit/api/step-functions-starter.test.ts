import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { StepFunctionsWorkflowStarter } from '../../../src/adapters/aws/step-functions-starter.js';
import { ConflictError, ThrottledError } from '../../../src/core/errors.js';

const sfnMock = mockClient(SFNClient);
const stateMachineArn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:breakwater-Deployment';
const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:breakwater-Deployment:d-1';
const request = {
  pipeline: 'payments',
  change: { id: 'abc123', version: '7' },
  requestedBy: 'alice',
  deploymentId: 'd-1',
};

function starter() {
  return new StepFunctionsWorkflowStarter({
    client: new SFNClient({ region: 'eu-west-1' }),
    stateMachineArn,
  });
}

const alreadyExists = () =>
  new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: { httpStatusCode: 400 } });

beforeEach(() => {
  sfnMock.reset();
});

describe('StepFunctionsWorkflowStarter.startDeployment', () => {
  it('starts an execution named by the deployment id with the request as input', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn, startDate: new Date(0) });

    const result = await starter().startDeployment(request);

    expect(result).toEqual({ executionArn });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn,
      name: 'd-1',
      input: JSON.stringify(request),
    });
  });

  it('returns the existing execution when the same request was started before', async () => {
    sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn,
      stateMachineArn,
      status: 'SUCCEEDED',
      // Same content, other key order: still the same request.
      input: JSON.stringify({
        deploymentId: 'd-1',
        requestedBy: 'alice',
        change: { version: '7', id: 'abc123' },
        pipeline: 'payments',
      }),
      startDate: new Date(0),
    });

    const result = await starter().startDeployment(request);

    expect(result).toEqual({ executionArn });
    expect(sfnMock.commandCalls(DescribeExecutionCommand)[0]!.args[0].input).toEqual({ executionArn });
  });

  it('throws a ConflictError when another request runs under the same id', async () => {
    sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn,
      stateMachineArn,
      status: 'RUNNING',
      input: JSON.stringify({ ...request, change: { id: 'other', version: '8' } }),
      startDate: new Date(0),
    });

    const error = await starter()
      .startDeployment(request)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).existing).toEqual({ executionArn, status: 'RUNNING' });
  });

  it('turns throttling into a ThrottledError', async () => {
    sfnMock.on(StartExecutionCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    await expect(starter().startDeployment(request)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe('StepFunctionsWorkflowStarter.startReleaseRollback', () => {
  const releaseRollbackArn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:breakwater-ReleaseRollback';
  const rollbackExecution = 'arn:aws:states:eu-west-1:123456789012:execution:breakwater-ReleaseRollback:d-1';
  const withReleaseRollback = () =>
    new StepFunctionsWorkflowStarter({
      client: new SFNClient({ region: 'eu-west-1' }),
      stateMachineArn,
      releaseRollbackStateMachineArn: releaseRollbackArn,
    });

  it('starts the ReleaseRollback machine, named by the deployment id, with only the id as input', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: rollbackExecution, startDate: new Date(0) });

    const result = await withReleaseRollback().startReleaseRollback({ deploymentId: 'd-1' });

    expect(result).toEqual({ executionArn: rollbackExecution });
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: releaseRollbackArn,
      name: 'd-1',
      input: JSON.stringify({ deploymentId: 'd-1' }),
    });
  });

  it('returns the running execution when the release rollback was started before', async () => {
    sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
    sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: rollbackExecution, status: 'RUNNING' });

    const result = await withReleaseRollback().startReleaseRollback({ deploymentId: 'd-1' });

    expect(result).toEqual({ executionArn: rollbackExecution });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('starts the next attempt (<id>-2) when the last execution ended before the rollback did', async () => {
    sfnMock
      .on(StartExecutionCommand, { name: 'd-1' })
      .rejects(alreadyExists())
      .on(StartExecutionCommand, { name: 'd-1-2' })
      .resolves({ executionArn: `${rollbackExecution}-2`, startDate: new Date(0) });
    sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: rollbackExecution, status: 'ABORTED' });

    const result = await withReleaseRollback().startReleaseRollback({ deploymentId: 'd-1' });

    expect(result).toEqual({ executionArn: `${rollbackExecution}-2` });
    expect(sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name)).toEqual([
      'd-1',
      'd-1-2',
    ]);
    expect(sfnMock.commandCalls(StartExecutionCommand)[1]!.args[0].input.input).toBe(
      JSON.stringify({ deploymentId: 'd-1' }),
    );
  });

  it('refuses to start without the ReleaseRollback machine ARN', async () => {
    await expect(starter().startReleaseRollback({ deploymentId: 'd-1' })).rejects.toThrow(
      /without the ReleaseRollback state machine ARN/,
    );
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });
});
