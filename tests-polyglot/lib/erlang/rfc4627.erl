%% rfc4627.erl — test support for tests-polyglot: the `decode/1' of the old rfc4627 JSON
%% library (the one the talk's logserv.erl calls), written here from its documented term
%% mapping, because that library can't be installed on this machine. Only decoding.
%%
%% decode(Json) with Json a binary (UTF-8) or a list of characters returns
%% {ok, Term, Rest} — Rest, what follows the value, as a list of characters — or
%% {error, Reason}. Terms as rfc4627 has them:
%%   object  -> {obj, [{Key, Value}]}   keys as strings (lists), in the document's order
%%   array   -> [Value]
%%   string  -> binary (UTF-8)
%%   number  -> integer, or float when it has a fraction or an exponent
%%   true, false, null -> the atoms true, false, null
-module(rfc4627).
-export([decode/1]).

-spec decode(binary() | string()) -> {ok, term(), string()} | {error, term()}.
decode(Json) when is_binary(Json) ->
    case unicode:characters_to_list(Json, utf8) of
        Chars when is_list(Chars) -> decode(Chars);
        _ -> {error, not_utf8}
    end;
decode(Chars) when is_list(Chars) ->
    try value(skip_ws(Chars)) of
        {Term, Rest} -> {ok, Term, skip_ws(Rest)}
    catch
        throw:{?MODULE, Reason} -> {error, Reason}
    end.

fail(Reason) ->
    throw({?MODULE, Reason}).

skip_ws([C | Rest]) when C =:= $\s; C =:= $\t; C =:= $\n; C =:= $\r -> skip_ws(Rest);
skip_ws(Chars) -> Chars.

value([${ | Rest]) -> object(skip_ws(Rest), []);
value([$[ | Rest]) -> array(skip_ws(Rest), []);
value([$" | Rest]) ->
    {Chars, Rest1} = string(Rest, []),
    {unicode:characters_to_binary(Chars), Rest1};
value("true" ++ Rest) -> {true, Rest};
value("false" ++ Rest) -> {false, Rest};
value("null" ++ Rest) -> {null, Rest};
value([C | _] = Chars) when C =:= $-; C >= $0, C =< $9 -> number(Chars);
value([]) -> fail(unexpected_end);
value([C | _]) -> fail({unexpected_character, C}).

object([$} | Rest], []) ->
    {{obj, []}, Rest};
object([$" | Rest], Acc) ->
    {Key, Rest1} = string(Rest, []),
    case skip_ws(Rest1) of
        [$: | Rest2] ->
            {Value, Rest3} = value(skip_ws(Rest2)),
            Acc1 = [{Key, Value} | Acc],
            case skip_ws(Rest3) of
                [$, | Rest4] -> object(skip_ws(Rest4), Acc1);
                [$} | Rest4] -> {{obj, lists:reverse(Acc1)}, Rest4};
                _ -> fail(expected_comma_or_end_of_object)
            end;
        _ ->
            fail(expected_colon)
    end;
object(_, _) ->
    fail(expected_key).

array([$] | Rest], []) ->
    {[], Rest};
array(Chars, Acc) ->
    {Value, Rest} = value(Chars),
    case skip_ws(Rest) of
        [$, | Rest1] -> array(skip_ws(Rest1), [Value | Acc]);
        [$] | Rest1] -> {lists:reverse([Value | Acc]), Rest1};
        _ -> fail(expected_comma_or_end_of_array)
    end.

%% The characters of a string up to its closing quote, escapes resolved.
string([$" | Rest], Acc) -> {lists:reverse(Acc), Rest};
string([$\\, $u | Rest], Acc) ->
    {Code, Rest1} = hex4(Rest),
    case {Code, Rest1} of
        {High, [$\\, $u | Rest2]} when High >= 16#D800, High =< 16#DBFF ->
            case hex4(Rest2) of
                {Low, Rest3} when Low >= 16#DC00, Low =< 16#DFFF ->
                    C = 16#10000 + ((High - 16#D800) bsl 10) + (Low - 16#DC00),
                    string(Rest3, [C | Acc]);
                _ ->
                    fail(bad_surrogate_pair)
            end;
        _ ->
            string(Rest1, [Code | Acc])
    end;
string([$\\, E | Rest], Acc) ->
    C = case E of
            $" -> $";
            $\\ -> $\\;
            $/ -> $/;
            $b -> $\b;
            $f -> $\f;
            $n -> $\n;
            $r -> $\r;
            $t -> $\t;
            _ -> fail({bad_escape, E})
        end,
    string(Rest, [C | Acc]);
string([C | Rest], Acc) when C >= 16#20 -> string(Rest, [C | Acc]);
string([C | _], _) -> fail({control_character_in_string, C});
string([], _) -> fail(unterminated_string).

hex4([A, B, C, D | Rest]) ->
    try list_to_integer([A, B, C, D], 16) of
        N -> {N, Rest}
    catch
        error:badarg -> fail(bad_unicode_escape)
    end;
hex4(_) ->
    fail(bad_unicode_escape).

number(Chars) ->
    {Sign, Rest} = case Chars of
                       [$- | R] -> {"-", R};
                       _ -> {"", Chars}
                   end,
    {Int, Rest1} = digits(Rest),
    Int =:= "" andalso fail(bad_number),
    {Frac, Rest2} = case Rest1 of
                        [$. | R1] ->
                            case digits(R1) of
                                {"", _} -> fail(bad_number);
                                {F, R2} -> {F, R2}
                            end;
                        _ -> {"", Rest1}
                    end,
    {Exp, Rest3} = case Rest2 of
                       [X | R3] when X =:= $e; X =:= $E ->
                           {ESign, R4} = case R3 of
                                             [$+ | R5] -> {"", R5};
                                             [$- | R5] -> {"-", R5};
                                             _ -> {"", R3}
                                         end,
                           case digits(R4) of
                               {"", _} -> fail(bad_number);
                               {E, R6} -> {ESign ++ E, R6}
                           end;
                       _ -> {"", Rest2}
                   end,
    case {Frac, Exp} of
        {"", ""} ->
            {list_to_integer(Sign ++ Int), Rest3};
        _ ->
            Mantissa = Sign ++ Int ++ "." ++ case Frac of "" -> "0"; _ -> Frac end,
            Float = case Exp of
                        "" -> list_to_float(Mantissa);
                        _ -> list_to_float(Mantissa ++ "e" ++ Exp)
                    end,
            {Float, Rest3}
    end.

digits(Chars) ->
    lists:splitwith(fun(C) -> C >= $0 andalso C =< $9 end, Chars).
