# Source: https://github.com/pacslab/SLApp-PerfCost-MdlOpt/blob/332ee02415d9edd5819aa003f3b8c47c23da3003/evaluations/model/App16/functions/f7/lambda_function.py
# Licence: MIT (https://github.com/pacslab/SLApp-PerfCost-MdlOpt/blob/master/LICENSE)
# Copied unmodified below this header for lambdalint's tests.
def factorial(n):
    result=1
    for i in range(1,n+1):
        result*=i
    return result

def lambda_handler(event, context):
    factorial(10000)
    if 'para3_index' in event:
        event['para3_index']=event['para3_index']+1
    else:
        event['para3_index']=0
    event['para3_result']=event['para3'][event['para3_index']]
    return {
        'statusCode': 200,
        'body': {"name":"f7","input":event}
    }