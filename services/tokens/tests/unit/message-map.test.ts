import { mergeFeedback } from '../../src/tokens/message-map';

describe('mergeFeedback', () => {
  it('copies a DynamoDB node’s feedback onto the S3 node that has none, and counts it', () => {
    const s3 = JSON.parse('{"a": {"role": "assistant"}, "b": {"role": "assistant", "feedback": {"thumbs_up": false}}}');
    const ddb = JSON.parse(
      '{"a": {"feedback": {"thumbs_up": true}}, "b": {"feedback": {"thumbs_up": true}}, "c": {"feedback": {}}}',
    );
    expect(mergeFeedback(s3, ddb)).toBe(1);
    expect(s3.a.feedback).toEqual({ thumbs_up: true });
    expect(s3.b.feedback).toEqual({ thumbs_up: false });
    expect(s3.c).toBeUndefined();
  });

  it('never writes through a node id such as __proto__ to Object.prototype', () => {
    const s3 = JSON.parse('{"a": {"role": "assistant"}}');
    const ddb = JSON.parse('{"__proto__": {"feedback": {"thumbs_up": true}}, "constructor": {"feedback": {}}}');
    expect(mergeFeedback(s3, ddb)).toBe(0);
    expect(({} as Record<string, unknown>).feedback).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('feedback');
  });
});
