import { finishWithError, type Step, seeOther } from '../step.js';

/**
 * The app asked only for a level this member cannot reach here: tell the app instead of asking
 * the member for something they cannot give (and looping).
 */
export const unavailableStep: Step = {
  name: 'unavailable',
  when: (state) => state.prompt === 'login' && !state.pending,
  async show(ctx, app) {
    seeOther(
      ctx,
      await finishWithError(
        ctx,
        app,
        'unmet_authentication_requirements',
        'none of the requested authentication levels can be met',
      ),
    );
  },
  routes: [],
};
