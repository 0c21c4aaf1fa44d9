// Autobahn|JS's serializer classes and the `serializers` transport option, which the tests use
// to pick a serializer and @types/autobahn does not declare.
import 'autobahn';

declare module 'autobahn' {
  namespace serializer {
    class JSONSerializer {}
    class MsgpackSerializer {}
    class CBORSerializer {}
  }
  interface ITransportDefinition {
    serializers?: (serializer.JSONSerializer | serializer.MsgpackSerializer | serializer.CBORSerializer)[];
  }
}
