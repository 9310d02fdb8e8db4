using static Stoke.OpenInference.Tests.TestTensors;

namespace Stoke.OpenInference.Tests;

public class MalformedRequestTests
{
    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("""{"inputs":[{"name":"x","shape":[2],"datatype":"INT32","data":[1,""", "not valid JSON")]
    [InlineData("""{"inputs":[""", "not valid JSON")]
    [InlineData("""{"inputs":[{"name":"x""", "not valid JSON")]
    [InlineData("""[1,2,3]""", "the request body must be an object, got an array")]
    [InlineData("""42""", "the request body must be an object, got number 42")]
    [InlineData("""{"inputs":[]} trailing""", "not valid JSON")]
    [InlineData("""{"inputs":{}}""", "'inputs' must be an array, got an object")]
    [InlineData("""{"inputs":[42]}""", "inputs[0] must be an object, got number 42")]
    [InlineData("""{"id":7,"inputs":[]}""", "'id' must be a string, got number 7")]
    [InlineData("""{"inputs":[{"name":5}]}""", "inputs[0].name must be a string, got number 5")]
    [InlineData("""{"inputs":[{"name":"x","shape":"2"}]}""", "input 'x'.shape must be an array, got string \"2\"")]
    [InlineData("""{"inputs":[{"name":"x","shape":[-1],"datatype":"FP32","data":[]}]}""", "input 'x'.shape must hold non-negative integers, got number -1")]
    [InlineData("""{"inputs":[{"name":"x","shape":[1.5],"datatype":"FP32","data":[]}]}""", "input 'x'.shape must hold non-negative integers, got number 1.5")]
    [InlineData("""{"inputs":[{"name":"x","shape":[1],"datatype":"BF16","data":[1]}]}""", "input 'x': unknown datatype 'BF16'")]
    [InlineData("""{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":5}]}""", "input 'x': 'data' must be an array, got number 5")]
    [InlineData("""{"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1,"a"]}]}""", "input 'x': data element 1 is string \"a\"; FP32 elements must be numbers")]
    [InlineData("""{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","data":[1]}]}""", "input 'x': data element 0 is number 1; BOOL elements must be true or false")]
    [InlineData("""{"inputs":[{"name":"x","shape":[1],"datatype":"BYTES","data":[1]}]}""", "input 'x': data element 0 is number 1; BYTES elements must be strings")]
    [InlineData("""{"inputs":[{"name":"x","shape":[1],"datatype":"INT32","data":[{"a":1}]}]}""", "input 'x': data element 0 is an object")]
    [InlineData("""{"inputs":[{"shape":[1],"datatype":"INT32","data":[1]}]}""", "inputs[0] has no 'name'")]
    [InlineData("""{"inputs":[{"name":"x","shape":[1],"data":[1]}]}""", "input 'x' has no 'datatype'")]
    [InlineData("""{"inputs":[{"name":"x","datatype":"INT32","data":[1]}]}""", "input 'x' has no 'shape'")]
    [InlineData("""{"inputs":[{"name":"x","shape":[1],"datatype":"INT32"}]}""", "input 'x' has no 'data'")]
    [InlineData("""{"id":"a"}""", "the request has no 'inputs'")]
    [InlineData("""{"inputs":[],"outputs":[{}]}""", "outputs[0] has no 'name'")]
    [InlineData("""{"inputs":[],"parameters":{"a":[1]}}""", "'parameters'['a'] must be a string, number or boolean, got an array")]
    [InlineData("""{"inputs":[{"name":"x","shape":[4294967296,4294967296,4294967296],"datatype":"INT8","data":[1]}]}""", "too large")]
    public void MalformedBodyIsABadRequestWithAClearMessage(string body, string expected)
    {
        var ex = ParseFails(body);

        Assert.Equal(400, ex.StatusCode);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UINT8", "256", "data element 0 is 256, not a UINT8 (an integer in [0, 255])")]
    [InlineData("UINT8", "-1", "data element 0 is -1, not a UINT8")]
    [InlineData("INT8", "128", "not a INT8 (an integer in [-128, 127])")]
    [InlineData("INT16", "-32769", "not a INT16")]
    [InlineData("UINT16", "65536", "not a UINT16")]
    [InlineData("INT32", "2147483648", "not a INT32")]
    [InlineData("UINT32", "4294967296", "not a UINT32")]
    [InlineData("INT64", "9223372036854775808", "not a INT64")]
    [InlineData("UINT64", "18446744073709551616", "not a UINT64")]
    [InlineData("INT32", "1.5", "data element 0 is 1.5, not a INT32")]
    [InlineData("FP16", "70000", "data element 0 is 70000, out of range for FP16")]
    [InlineData("FP32", "1e39", "out of range for FP32")]
    [InlineData("FP64", "1e309", "out of range for FP64")]
    public void ValueOutOfRangeOfItsDatatypeIsRejected(string datatype, string value, string expected)
    {
        var ex = ParseFails(Body(datatype, "[1]", $"[{value}]"));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[3]", "[1,2]", "'data' has 2 elements but its shape needs 3")]
    [InlineData("[2]", "[1,2,3,4]", "'data' has 4 elements but its shape needs 2")]
    [InlineData("[2,2]", "[[1,2],[3]]", "'data' has 3 elements but its shape needs 4")]
    [InlineData("[100000]", "[1]", "'data' has 1 elements but its shape needs 100000")]
    public void DataElementCountMustMatchTheShape(string shape, string data, string expected) =>
        Assert.Contains(expected, ParseFails(Body("INT32", shape, data)).Message, StringComparison.Ordinal);

    [Fact]
    public void BytesElementCountMustMatchTheShape() =>
        Assert.Contains(
            "'data' has 3 elements but its shape needs 2",
            ParseFails(Body("BYTES", "[2]", """["a","b","c"]""")).Message,
            StringComparison.Ordinal);

    [Fact]
    public void JsonErrorKeepsTheReaderExceptionAsInner()
    {
        var ex = ParseFails("""{"inputs": [tru]}""");
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(ex.InnerException);
    }
}
