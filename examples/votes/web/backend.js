// The votes backend of seeds 000/001, in a browser tab, on the Autobahn|JS-compatible surface.
/* global autobahn */
(function () {
  'use strict';

  var votes = { banana: 0, chocolate: 0, lemon: 0 };
  var statusLine = document.getElementById('status');

  function log(text) {
    var item = document.createElement('li');
    item.textContent = new Date().toLocaleTimeString() + ' ' + text;
    document.getElementById('log').prepend(item);
  }

  function main(session) {
    var submitVote = function (args, kwargs, details) {
      var flavor = args[0];
      if (!Object.hasOwn(votes, flavor)) {
        throw new autobahn.Error('com.example.votedemo.invalid_flavor', ['no such flavor: ' + flavor]);
      }
      votes[flavor] += 1;
      var res = { subject: flavor, votes: votes[flavor] };
      session.publish('com.example.votedemo.on_vote', [res]);
      log('vote for ' + flavor + ' (' + votes[flavor] + ')');
      return votes[flavor];
    };
    var getVotes = function () {
      return Object.keys(votes).map(function (flavor) {
        return { subject: flavor, votes: votes[flavor] };
      });
    };
    var resetVotes = function () {
      Object.keys(votes).forEach(function (flavor) {
        votes[flavor] = 0;
      });
      session.publish('com.example.votedemo.on_reset');
      log('votes reset');
    };

    Promise.all([
      session.register('com.example.votedemo.vote', submitVote),
      session.register('com.example.votedemo.get', getVotes),
      session.register('com.example.votedemo.reset', resetVotes),
    ]).then(
      function () {
        statusLine.dataset.state = 'connected';
        statusLine.textContent = 'backend ready, session ' + session.id;
      },
      function (err) {
        statusLine.dataset.state = 'error';
        statusLine.textContent = 'could not register: ' + (err.error || err.message);
      },
    );
  }

  var scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var connection = new autobahn.Connection({ url: scheme + '//' + window.location.host + '/ws', realm: 'votesapp' });
  connection.onopen = function (session) {
    main(session);
  };
  connection.open();
})();
